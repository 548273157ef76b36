import { createHmac } from 'node:crypto';
import type { Notification } from '@k2/contracts';
import type { SenderContext } from './context.js';
import { HttpEndpoint, parseJson, retryAfterMs, sendHttp, type HttpAnswer } from './http.js';
import { escapeMarkdown, renderBody, title } from './message.js';
import { readSecret } from './secrets.js';
import type { Sender, SendResult } from './sender.js';

/** Feishu's throttle: HTTP 400 with code 9499 ("too many request"). */
export const FEISHU_THROTTLED = 9499;

/** Feishu's signature: base64(HMAC-SHA256(key = `${timestampSeconds}\n${secret}`, message = empty)). */
export function feishuSign(secret: string, timestampSeconds: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** Feishu puts its verdict in `code` (older bots: `StatusCode`), with 200 or 400. */
export function feishuResult(answer: HttpAnswer): SendResult {
  const body = parseJson(answer.text);
  const code = body?.code ?? body?.StatusCode;
  const error = `HTTP ${answer.status} code ${String(code)}: ${String(body?.msg ?? body?.StatusMessage ?? answer.text.slice(0, 200))}`;
  if (code === FEISHU_THROTTLED || answer.status === 429) {
    const after = retryAfterMs(answer.headers.get('retry-after'));
    return {
      ok: false,
      retry: true,
      status: answer.status,
      error,
      throttled: true,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  }
  if (answer.status >= 500) return { ok: false, retry: true, status: answer.status, error };
  if (answer.status >= 200 && answer.status < 300 && code === 0) return { ok: true, status: answer.status };
  return { ok: false, retry: false, status: answer.status, error };
}

/** Feishu/Lark custom bot: an interactive card; with a secret, `timestamp` (s) and `sign` go in the body. */
export class FeishuSender implements Sender {
  readonly kind = 'feishu';
  readonly secrets: string[];
  private readonly endpoint: HttpEndpoint;
  private readonly secret: string | undefined;

  constructor(private readonly ctx: SenderContext) {
    const f = ctx.cfg.feishu!;
    const url = readSecret(f.url, ctx.env);
    this.endpoint = new HttpEndpoint(url);
    this.secret = f.secret ? readSecret(f.secret, ctx.env) : undefined;
    this.secrets = [url, ...(this.secret ? [this.secret] : [])];
  }

  payload(n: Notification): string {
    const { text, fellBack } = renderBody(this.ctx.cfg, n, escapeMarkdown);
    if (fellBack) this.ctx.onTemplateFallback(n.receiver);
    const card = {
      header: {
        title: { tag: 'plain_text', content: title(n) },
        template: n.status === 'firing' ? 'red' : 'green',
      },
      elements: [{ tag: 'div', text: { tag: 'lark_md', content: text } }],
    };
    const signed: Record<string, string> = {};
    if (this.secret) {
      const timestamp = String(Math.floor((this.ctx.now?.() ?? Date.now()) / 1000));
      signed.timestamp = timestamp;
      signed.sign = feishuSign(this.secret, timestamp);
    }
    return JSON.stringify({ ...signed, msg_type: 'interactive', card });
  }

  send(n: Notification) {
    return sendHttp(() => this.endpoint.post(this.payload(n), {}, this.ctx.cfg.timeout), feishuResult);
  }
}
