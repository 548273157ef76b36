import type { Notification } from '@k2/contracts';
import type { SenderContext } from './context.js';
import { HttpEndpoint, sendHttp } from './http.js';
import { escapeSlack, renderBody, title } from './message.js';
import { readSecret } from './secrets.js';
import type { Sender } from './sender.js';

// Slack's limits: header text 150 characters, section text 3,000.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Slack incoming webhook: `text` (notification fallback) plus header and section blocks. */
export class SlackSender implements Sender {
  readonly kind = 'slack';
  readonly secrets: string[];
  private readonly endpoint: HttpEndpoint;

  constructor(private readonly ctx: SenderContext) {
    const url = readSecret(ctx.cfg.slack!.url, ctx.env);
    this.endpoint = new HttpEndpoint(url);
    this.secrets = [url];
  }

  payload(n: Notification): string {
    const heading = cut(title(n), HEADER_MAX);
    const { text, fellBack } = renderBody(this.ctx.cfg, n, escapeSlack, '• ');
    if (fellBack) this.ctx.onTemplateFallback(n.receiver);
    return JSON.stringify({
      text: heading,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: heading, emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: cut(text || heading, SECTION_MAX) } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: escapeSlack(`${n.reason} · ${n.groupKey}`) }],
        },
      ],
    });
  }

  send(n: Notification) {
    return sendHttp(() => this.endpoint.post(this.payload(n), {}, this.ctx.cfg.timeout));
  }
}
