import { createHmac } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Notification } from '@k2/contracts';
import type { ReceiverConfig } from '../src/index.js';
import { createSender } from '../src/notify/senders.js';
import { alert, loopback, routing } from './support.js';

const NOW = Date.parse('2026-03-02T10:00:00.123Z');

const notification: Notification = {
  id: 'n1',
  receiver: 'r',
  groupKey: '0:abc',
  groupLabels: { namespace: 'shop' },
  status: 'firing',
  alerts: [
    alert(
      { alertname: 'oom_kill', namespace: 'shop', cluster: 'prod', workload: 'cart', severity: 'critical' },
      { annotations: { summary: 'cart OOM-killed <script>*x*' } },
    ),
  ],
  reason: 'new',
  createdAt: NOW,
};

function receiver(yaml: string): ReceiverConfig {
  return routing(`route: { receiver: r }\nreceivers:\n  - name: r\n${yaml}`).receivers[0]!;
}

function sender(yaml: string, env: Record<string, string>, fallbacks: string[] = []) {
  return createSender({ cfg: receiver(yaml), env, now: () => NOW, onTemplateFallback: (r) => fallbacks.push(r) });
}

const send = (s: ReturnType<typeof sender>) => s.send(notification);

describe('receivers send each provider its exact format', () => {
  it('webhook: JSON with an HMAC-SHA256 over timestamp.body and the timestamp header', async () => {
    const srv = await loopback();
    onTestFinished(() => srv.close());
    const s = sender(`    webhook: { url: "${srv.url}/hook", secret: { env: HOOK_SECRET } }\n`, {
      HOOK_SECRET: 's3cr3t',
    });
    expect(await send(s)).toEqual({ ok: true, status: 200 });
    const [req] = srv.received;
    const ts = req!.headers['x-k2-timestamp'] as string;
    expect(ts).toBe(String(Math.floor(NOW / 1000)));
    const expected = 'sha256=' + createHmac('sha256', 's3cr3t').update(`${ts}.${req!.body}`).digest('hex');
    expect(req!.headers['x-k2-signature']).toBe(expected);
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({
      version: 'k2.1',
      status: 'firing',
      receiver: 'r',
      groupLabels: { namespace: 'shop' },
    });
    expect(body.alerts[0].labels.alertname).toBe('oom_kill');
  });

  it('Slack: header and mrkdwn section blocks, values escaped', async () => {
    const srv = await loopback(() => ({ body: 'ok' }));
    onTestFinished(() => srv.close());
    const s = sender(`    slack: { url: { env: SLACK_URL } }\n`, { SLACK_URL: `${srv.url}/services/T0/B0/XYZ` });
    expect((await send(s)).ok).toBe(true);
    const body = JSON.parse(srv.received[0]!.body);
    expect(srv.received[0]!.url).toBe('/services/T0/B0/XYZ');
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[0].text).toEqual({ type: 'plain_text', text: '[FIRING:1] oom_kill shop', emoji: true });
    expect(body.blocks[1].text.type).toBe('mrkdwn');
    expect(body.blocks[1].text.text).toContain('cart OOM-killed &lt;script&gt;*x*');
    expect(body.text).toBe('[FIRING:1] oom_kill shop');
  });

  it('DingTalk: markdown, timestamp (ms) and sign in the URL, errcode checked', async () => {
    const srv = await loopback((_r, n) => ({
      body: n === 1 ? '{"errcode":0,"errmsg":"ok"}' : '{"errcode":310000,"errmsg":"keywords not in content"}',
    }));
    onTestFinished(() => srv.close());
    const signed = sender(`    dingtalk: { url: { env: DT_URL }, secret: { env: DT_SECRET } }\n`, {
      DT_URL: `${srv.url}/robot/send?access_token=tok123`,
      DT_SECRET: 'SEC000',
    });
    expect(await send(signed)).toEqual({ ok: true, status: 200 });
    const url = new URL(srv.received[0]!.url, srv.url);
    expect(url.searchParams.get('access_token')).toBe('tok123');
    expect(url.searchParams.get('timestamp')).toBe(String(NOW));
    const sign = createHmac('sha256', 'SEC000').update(`${NOW}\nSEC000`).digest('base64');
    expect(url.searchParams.get('sign')).toBe(sign);
    expect(srv.received[0]!.url).toContain(`sign=${encodeURIComponent(sign)}`);
    const body = JSON.parse(srv.received[0]!.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('[FIRING:1] oom_kill shop');
    expect(body.markdown.text).toContain('cart OOM-killed \\<script\\>\\*x\\*');
    const failed = await send(signed);
    expect(failed).toMatchObject({
      ok: false,
      retry: false,
      status: 200,
      error: 'errcode 310000: keywords not in content',
    });
  });

  it('WeCom: markdown content, errcode checked, 45009 is a throttle', async () => {
    const srv = await loopback((_r, n) => ({
      body: n === 1 ? '{"errcode":0,"errmsg":"ok"}' : '{"errcode":45009,"errmsg":"api freq out of limit"}',
    }));
    onTestFinished(() => srv.close());
    const s = sender(`    wecom: { url: { env: WC_URL } }\n`, { WC_URL: `${srv.url}/cgi-bin/webhook/send?key=k1` });
    expect((await send(s)).ok).toBe(true);
    const body = JSON.parse(srv.received[0]!.body);
    expect(Object.keys(body)).toEqual(['msgtype', 'markdown']);
    expect(body.markdown.content).toBe(
      '### \\[FIRING:1\\] oom\\_kill shop\n- \\[critical\\] cart OOM-killed \\<script\\>\\*x\\* \\(prod/shop/cart\\)',
    );
    expect(await send(s)).toMatchObject({ ok: false, retry: true, throttled: true });
  });

  it('Feishu: interactive card, timestamp (s) and sign in the body, code checked, 9499 is a throttle', async () => {
    const srv = await loopback((_r, n) =>
      n === 1
        ? { body: '{"code":0,"msg":"success","data":{}}' }
        : { status: 400, body: '{"code":9499,"msg":"too many request"}' },
    );
    onTestFinished(() => srv.close());
    const s = sender(`    feishu: { url: { env: FS_URL }, secret: { env: FS_SECRET } }\n`, {
      FS_URL: `${srv.url}/open-apis/bot/v2/hook/abc`,
      FS_SECRET: 'fsecret',
    });
    expect((await send(s)).ok).toBe(true);
    const body = JSON.parse(srv.received[0]!.body);
    const ts = String(Math.floor(NOW / 1000));
    expect(body.timestamp).toBe(ts);
    expect(body.sign).toBe(createHmac('sha256', `${ts}\nfsecret`).update('').digest('base64'));
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header.title).toEqual({ tag: 'plain_text', content: '[FIRING:1] oom_kill shop' });
    expect(body.card.elements[0].text.tag).toBe('lark_md');
    expect(await send(s)).toMatchObject({ ok: false, retry: true, throttled: true, status: 400 });
  });

  it('email: nodemailer to a real SMTP server, text and HTML parts, HTML escaped', async () => {
    const mails: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, cb) {
        if (auth.username === 'k2' && auth.password === 'mailpw') cb(null, { user: 'k2' });
        else cb(new Error('bad credentials'));
      },
      onData(stream, _session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString());
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
    const port = (smtp.server.address() as { port: number }).port;
    const s = sender(
      `    email:\n      to: [oncall@example.com]\n      from: k2@example.com\n      smtp: { host: 127.0.0.1, port: ${port}, username: k2, password: { env: SMTP_PW } }\n`,
      { SMTP_PW: 'mailpw' },
    );
    onTestFinished(() => s.close?.());
    expect(await send(s)).toEqual({ ok: true });
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail).toMatch(/^Subject: \[FIRING:1\] oom_kill shop/m);
    expect(mail).toMatch(/^To: oncall@example.com/m);
    expect(mail).toContain('Content-Type: text/plain');
    expect(mail).toContain('Content-Type: text/html');
    expect(mail).toContain('&lt;script&gt;');
  });

  it('a template that fails at send time falls back to the built-in text, not to silence', async () => {
    const srv = await loopback();
    onTestFinished(() => srv.close());
    const fallbacks: string[] = [];
    const s = sender(
      `    template: "{{#each alerts}}{{ labels.team }}{{/each}}"\n    webhook: { url: "${srv.url}" }\n`,
      {},
      fallbacks,
    );
    expect((await send(s)).ok).toBe(true);
    expect(JSON.parse(srv.received[0]!.body).text).toContain('cart OOM-killed');
    expect(fallbacks).toEqual(['r']);
  });
});
