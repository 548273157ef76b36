import type { ReceiverConfig, ReceiverKind } from '../route/config.js';

/** The providers' documented limits, used when a receiver sets no rate_limit. */
const PROVIDER_LIMITS: Partial<Record<ReceiverKind, { messages: number; per: number }>> = {
  dingtalk: { messages: 20, per: 60_000 },
  wecom: { messages: 20, per: 60_000 },
  slack: { messages: 1, per: 1000 },
  feishu: { messages: 100, per: 60_000 },
};

/** How long a provider blocks a robot that went over its limit, when it does not say (DingTalk: 10 minutes). */
const PROVIDER_THROTTLE: Partial<Record<ReceiverKind, number>> = {
  dingtalk: 10 * 60_000,
  wecom: 60_000,
  feishu: 60_000,
  slack: 60_000,
};

export function receiverKind(cfg: ReceiverConfig): ReceiverKind {
  for (const k of ['file', 'console', 'webhook', 'slack', 'dingtalk', 'wecom', 'feishu', 'email'] as const)
    if (cfg[k] !== undefined) return k;
  return 'console';
}

/** Receivers that post to an HTTP endpoint (the rest write files or speak SMTP). */
export function postsHttp(cfg: ReceiverConfig): boolean {
  return !['file', 'console', 'email'].includes(receiverKind(cfg));
}

export function rateLimitOf(cfg: ReceiverConfig): { messages: number; per: number } | undefined {
  return cfg.rate_limit ?? PROVIDER_LIMITS[receiverKind(cfg)];
}

export function throttlePauseOf(cfg: ReceiverConfig): number {
  return cfg.throttle_pause ?? PROVIDER_THROTTLE[receiverKind(cfg)] ?? 60_000;
}
