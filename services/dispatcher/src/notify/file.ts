import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Notification } from '@k2/contracts';
import type { SenderContext } from './context.js';
import { plain, renderBody, title } from './message.js';
import type { Sender, SendResult } from './sender.js';

/** One JSON line per notification: what `k2 replay` and the embedded default write (notifications.jsonl). */
export function notificationLine(n: Notification, text: string): string {
  return `${JSON.stringify({
    at: new Date(n.createdAt).toISOString(),
    id: n.id,
    receiver: n.receiver,
    reason: n.reason,
    status: n.status,
    title: title(n),
    text,
    groupKey: n.groupKey,
    groupLabels: n.groupLabels,
    ...(n.escalationStep !== undefined ? { escalationStep: n.escalationStep } : {}),
    alerts: n.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
    })),
  })}\n`;
}

/** Appends to a JSON Lines file (`file`) or writes the line to stdout (`console`). */
export class FileSender implements Sender {
  readonly kind: string;
  readonly secrets: string[] = [];
  private readonly path: string | undefined;

  constructor(private readonly ctx: SenderContext) {
    this.kind = ctx.cfg.file ? 'file' : 'console';
    this.path = ctx.cfg.file?.path;
    if (this.path) mkdirSync(dirname(this.path), { recursive: true });
  }

  async send(n: Notification): Promise<SendResult> {
    const { text, fellBack } = renderBody(this.ctx.cfg, n, plain);
    if (fellBack) this.ctx.onTemplateFallback(n.receiver);
    const line = notificationLine(n, text);
    try {
      if (this.path) appendFileSync(this.path, line);
      else process.stdout.write(line);
      return { ok: true };
    } catch (err) {
      return { ok: false, retry: true, error: `write: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
    }
  }
}
