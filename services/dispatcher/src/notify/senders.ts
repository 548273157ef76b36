import type { ReceiverConfig } from '../route/config.js';
import type { SenderContext } from './context.js';
import { DingTalkSender } from './dingtalk.js';
import { EmailSender } from './email.js';
import { FeishuSender } from './feishu.js';
import { FileSender } from './file.js';
import type { Sender } from './sender.js';
import { SlackSender } from './slack.js';
import { WebhookSender } from './webhook.js';
import { WeComSender } from './wecom.js';

/** The sender for a receiver's one integration. Reads its secrets now: a missing one is a start-up error. */
export function createSender(ctx: SenderContext): Sender {
  const cfg: ReceiverConfig = ctx.cfg;
  if (cfg.webhook) return new WebhookSender(ctx);
  if (cfg.slack) return new SlackSender(ctx);
  if (cfg.dingtalk) return new DingTalkSender(ctx);
  if (cfg.wecom) return new WeComSender(ctx);
  if (cfg.feishu) return new FeishuSender(ctx);
  if (cfg.email) return new EmailSender(ctx);
  return new FileSender(ctx);
}
