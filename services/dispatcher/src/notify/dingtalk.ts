import { createHmac } from 'node:crypto';
import type { Notification } from '@k2/contracts';
import type { SenderContext } from './context.js';
import { errcodeResult, HttpEndpoint, sendHttp, type HttpAnswer } from './http.js';
import { escapeMarkdown, renderBody, title } from './message.js';
import { readSecret } from './secrets.js';
import type { Sender, SendResult } from './sender.js';

/** DingTalk's "send too fast" errcode; a throttled robot stays blocked for 10 minutes (throttle_pause). */
export const DINGTALK_THROTTLED = 130101;

/** DingTalk's signature: base64(HMAC-SHA256(key = secret, message = `${timestampMs}\n${secret}`)), URL-encoded. */
export function dingtalkSign(secret: string, timestampMs: string): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64'));
}

/** DingTalk answers 200 with an errcode: anything but 0 is a failure, 130101 is throttling. */
export function dingtalkResult(answer: HttpAnswer): SendResult {
  return errcodeResult(answer, DINGTALK_THROTTLED);
}

/** DingTalk group robot: markdown; with a secret, `timestamp` (ms) and `sign` go in the URL. */
export class DingTalkSender implements Sender {
  readonly kind = 'dingtalk';
  readonly secrets: string[];
  private readonly url: string;
  private readonly secret: string | undefined;

  constructor(private readonly ctx: SenderContext) {
    const d = ctx.cfg.dingtalk!;
    this.url = readSecret(d.url, ctx.env);
    this.secret = d.secret ? readSecret(d.secret, ctx.env) : undefined;
    this.secrets = [this.url, ...(this.secret ? [this.secret] : [])];
  }

  payload(n: Notification): string {
    const heading = title(n);
    const { text, fellBack } = renderBody(this.ctx.cfg, n, escapeMarkdown);
    if (fellBack) this.ctx.onTemplateFallback(n.receiver);
    return JSON.stringify({
      msgtype: 'markdown',
      markdown: { title: heading, text: `#### ${escapeMarkdown(heading)}\n\n${text}` },
    });
  }

  signedUrl(): string {
    if (!this.secret) return this.url;
    const timestamp = String(this.ctx.now?.() ?? Date.now());
    const sep = this.url.includes('?') ? '&' : '?';
    return `${this.url}${sep}timestamp=${timestamp}&sign=${dingtalkSign(this.secret, timestamp)}`;
  }

  send(n: Notification) {
    const endpoint = new HttpEndpoint(this.signedUrl());
    return sendHttp(() => endpoint.post(this.payload(n), {}, this.ctx.cfg.timeout), dingtalkResult);
  }
}
