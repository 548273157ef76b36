import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { createLogger } from '@k2/log';
import { startServer, stopServer } from '../../../test/support/servers.js';
import { sha256Hex, startDispatcherService } from '../src/index.js';
import { eventually, loopback, routing } from './support.js';

const quiet = createLogger({ name: 't', level: 'silent' });
const TOKEN = 'alertmanager-sender-token-123';
const INSTANCE = 'dispatcher';

describe('real Prometheus → real Alertmanager → dispatcher', () => {
  it('a firing rule reaches the webhook receiver through the authenticated Alertmanager endpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-dispatcher-am-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const hook = await loopback();
    onTestFinished(() => hook.close());
    const bus = new InProcessBus({ log: quiet });
    const service = await startDispatcherService({
      config: {
        enabled: true,
        stateDir: join(dir, 'state'),
        groupId: 'k2-dispatcher',
        api: { tokens: [{ user: 'alertmanager', sha256: sha256Hex(TOKEN), role: 'sender', grants: [] }] },
        http: { host: '127.0.0.1', port: 0 },
      },
      bus,
      log: quiet,
      partitions: 2,
      routing: routing(`
route:
  receiver: hook
  routes:
    - matchers: ['alertname="K2DispatcherProbe"', 'severity=~"crit.*"']
      receiver: pager
receivers:
  - name: hook
    webhook: { url: "${hook.url}/default" }
  - name: pager
    webhook: { url: "${hook.url}/pager" }
`),
    });
    onTestFinished(async () => {
      await service.stop();
      await bus.close();
    });

    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, TOKEN);
    const amConfig = join(dir, 'alertmanager.yml');
    writeFileSync(
      amConfig,
      [
        'route: { receiver: k2, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }',
        'receivers:',
        '  - name: k2',
        '    webhook_configs:',
        `      - url: ${service.url}/api/v1/alertmanager`,
        '        send_resolved: true',
        '        http_config:',
        `          authorization: { type: Bearer, credentials_file: ${tokenFile} }`,
      ].join('\n'),
    );
    const am = (await startServer('alertmanager', INSTANCE, { env: { K2_ALERTMANAGER_CONFIG: amConfig } })) as {
      url: string;
    };
    onTestFinished(() => stopServer('alertmanager', INSTANCE).then(() => undefined));
    writeFileSync(
      join(dir, 'rules.yml'),
      [
        'groups:',
        '  - name: k2-dispatcher-test',
        '    interval: 1s',
        '    rules:',
        '      - alert: K2DispatcherProbe',
        '        expr: vector(1)',
        '        labels: { severity: critical, namespace: shop, cluster: prod }',
        '        annotations: { summary: "probe firing" }',
      ].join('\n'),
    );
    const promConfig = join(dir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yml]',
        'alerting:',
        '  alertmanagers:',
        '    - static_configs:',
        `        - targets: ['${new URL(am.url).host}']`,
      ].join('\n'),
    );
    await startServer('prometheus', INSTANCE, { env: { K2_PROMETHEUS_CONFIG: promConfig } });
    onTestFinished(() => stopServer('prometheus', INSTANCE).then(() => undefined));

    const req = await eventually(
      () => hook.received.find((r) => r.url === '/pager'),
      90_000,
      'the probe at the pager webhook',
    );
    const body = JSON.parse(req.body);
    expect(body.status).toBe('firing');
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0].labels).toMatchObject({
      alertname: 'K2DispatcherProbe',
      severity: 'critical',
      namespace: 'shop',
    });
    expect(body.alerts[0].annotations.summary).toBe('probe firing');
    expect(body.alerts[0].fingerprint).toMatch(/^am:/);
    expect(hook.received.filter((r) => r.url === '/default')).toEqual([]);
  }, 120_000);
});
