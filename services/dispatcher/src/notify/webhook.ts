import { createHmac } from 'node:crypto';
import type { Notification } from '@k2/contracts';
import type { SenderContext } from './context.js';
import { HttpEndpoint, sendHttp } from './http.js';
import { renderBody, plain, templateData, title } from './message.js';
import { readSecret } from './secrets.js';
import type { Sender } from './sender.js';

export const SIGNATURE_HEADER = 'X-K2-Signature';
export const TIMESTAMP_HEADER = 'X-K2-Timestamp';
export const NOTIFICATION_ID_HEADER = 'X-K2-Notification-Id';

/** `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>`, keyed with the shared secret. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Generic webhook: Alertmanager-like JSON plus K2's fields; signed when a secret is configured. */
export class WebhookSender implements Sender {
  readonly kind = 'webhook';
  readonly secrets: string[];
  private readonly endpoint: HttpEndpoint;
  private readonly secret: string | undefined;

  constructor(private readonly ctx: SenderContext) {
    const w = ctx.cfg.webhook!;
    this.endpoint = new HttpEndpoint(w.url);
    this.secret = w.secret ? readSecret(w.secret, ctx.env) : undefined;
    this.secrets = this.secret ? [this.secret] : [];
  }

  payload(n: Notification): string {
    const data = templateData(n);
    const { text, fellBack } = renderBody(this.ctx.cfg, n, plain);
    if (fellBack) this.ctx.onTemplateFallback(n.receiver);
    return JSON.stringify({
      version: 'k2.1',
      notificationId: n.id,
      reason: n.reason,
      receiver: n.receiver,
      status: n.status,
      groupKey: n.groupKey,
      groupLabels: n.groupLabels,
      commonLabels: data.commonLabels,
      commonAnnotations: data.commonAnnotations,
      title: title(n, data),
      text,
      ...(n.escalationStep !== undefined ? { escalationStep: n.escalationStep } : {}),
      alerts: n.alerts.map((a) => ({
        status: a.status,
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.startsAt,
        endsAt: a.endsAt ?? null,
        generatorURL: a.generatorURL ?? '',
        fingerprint: a.fingerprint,
      })),
    });
  }

  send(n: Notification) {
    const body = this.payload(n);
    const timestamp = String(Math.floor((this.ctx.now?.() ?? Date.now()) / 1000));
    const headers: Record<string, string> = { [NOTIFICATION_ID_HEADER]: n.id, [TIMESTAMP_HEADER]: timestamp };
    if (this.secret) headers[SIGNATURE_HEADER] = webhookSignature(this.secret, timestamp, body);
    return sendHttp(() => this.endpoint.post(body, headers, this.ctx.cfg.timeout));
  }
}
