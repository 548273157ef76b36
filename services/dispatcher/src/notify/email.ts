import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Notification } from '@k2/contracts';
import type { SenderContext } from './context.js';
import { escapeHtml, plain, renderBody, title } from './message.js';
import { readSecret } from './secrets.js';
import type { Sender, SendResult } from './sender.js';

/** SMTP reply codes 4xx are transient (RFC 5321); 5xx are permanent. */
function smtpResult(err: unknown): SendResult {
  const e = err as Error & { responseCode?: number; code?: string };
  const code = e.responseCode;
  const error = `smtp ${code ?? e.code ?? 'error'}: ${e.message.split('\n')[0]!.slice(0, 200)}`;
  if (code !== undefined && code >= 500) return { ok: false, retry: false, status: code, error };
  return { ok: false, retry: true, ...(code !== undefined ? { status: code } : {}), error };
}

/** Email over SMTP through nodemailer: a text part and an HTML part. */
export class EmailSender implements Sender {
  readonly kind = 'email';
  readonly secrets: string[];
  private readonly transport: Transporter;

  constructor(private readonly ctx: SenderContext) {
    const e = ctx.cfg.email!;
    const password = e.smtp.password ? readSecret(e.smtp.password, ctx.env) : undefined;
    this.secrets = password ? [password] : [];
    this.transport = nodemailer.createTransport({
      host: e.smtp.host,
      port: e.smtp.port,
      secure: e.smtp.secure,
      ...(e.smtp.username ? { auth: { user: e.smtp.username, pass: password ?? '' } } : {}),
      connectionTimeout: ctx.cfg.timeout,
      greetingTimeout: ctx.cfg.timeout,
      socketTimeout: ctx.cfg.timeout,
    });
  }

  message(n: Notification) {
    const e = this.ctx.cfg.email!;
    const text = renderBody(this.ctx.cfg, n, plain);
    const html = renderBody(this.ctx.cfg, n, escapeHtml, '');
    if (text.fellBack) this.ctx.onTemplateFallback(n.receiver);
    const subject = title(n);
    const lines = html.text
      .split('\n')
      .map((l) => `<li>${l}</li>`)
      .join('');
    return {
      from: e.from,
      to: e.to,
      subject,
      text: `${subject}\n\n${text.text}\n`,
      html: `<h3>${escapeHtml(subject)}</h3><ul>${lines}</ul>`,
      headers: { 'X-K2-Notification-Id': n.id },
    };
  }

  async send(n: Notification): Promise<SendResult> {
    try {
      await this.transport.sendMail(this.message(n));
      return { ok: true };
    } catch (err) {
      return smtpResult(err);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
