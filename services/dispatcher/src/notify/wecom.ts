import type { Notification } from '@k2/contracts';
import type { SenderContext } from './context.js';
import { errcodeResult, HttpEndpoint, sendHttp, type HttpAnswer } from './http.js';
import { escapeMarkdown, renderBody, title } from './message.js';
import { readSecret } from './secrets.js';
import type { Sender, SendResult } from './sender.js';

/** WeCom's "api freq out of limit" errcode (20 messages a minute per robot). */
export const WECOM_THROTTLED = 45009;

/** WeCom answers 200 with an errcode, like DingTalk. */
export function wecomResult(answer: HttpAnswer): SendResult {
  return errcodeResult(answer, WECOM_THROTTLED);
}

/** WeCom group robot: markdown (4,096 bytes at most). */
export class WeComSender implements Sender {
  readonly kind = 'wecom';
  readonly secrets: string[];
  private readonly endpoint: HttpEndpoint;

  constructor(private readonly ctx: SenderContext) {
    const url = readSecret(ctx.cfg.wecom!.url, ctx.env);
    this.endpoint = new HttpEndpoint(url);
    this.secrets = [url];
  }

  payload(n: Notification): string {
    const { text, fellBack } = renderBody(this.ctx.cfg, n, escapeMarkdown);
    if (fellBack) this.ctx.onTemplateFallback(n.receiver);
    let content = `### ${escapeMarkdown(title(n))}\n${text}`;
    while (Buffer.byteLength(content) > 4096) content = `${content.slice(0, Math.floor(content.length * 0.9))}…`;
    return JSON.stringify({ msgtype: 'markdown', markdown: { content } });
  }

  send(n: Notification) {
    return sendHttp(() => this.endpoint.post(this.payload(n), {}, this.ctx.cfg.timeout), wecomResult);
  }
}
