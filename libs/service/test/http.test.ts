import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@k2/log';
import { ServiceHttp } from '../src/index.js';

const lines: string[] = [];
const log = createLogger({
  name: 't',
  destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never,
});
const started: ServiceHttp[] = [];
afterEach(async () => Promise.all(started.splice(0).map((s) => s.stop())));

async function start(): Promise<ServiceHttp> {
  const http = new ServiceHttp({ name: 'demo', log });
  started.push(http);
  return http;
}

describe('service endpoints', () => {
  it('healthz answers while readyz reflects every check', async () => {
    const http = await start();
    let connected: true | string = 'bus unreachable';
    http.addReadinessCheck('bus', () => connected);
    http.addReadinessCheck('broken', () => {
      throw new Error('boom');
    });
    const url = await http.start();
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok');
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      ready: false,
      checks: { bus: 'bus unreachable', broken: 'check failed: Error: boom' },
    });
    connected = true;
    http.addReadinessCheck('broken', () => true);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('serves its own metrics in the Prometheus text format, labelled with the service', async () => {
    const http = await start();
    const { Counter } = await import('prom-client');
    const c = new Counter({ name: 'k2_demo_things_total', help: 'things', registers: [http.registry] });
    c.inc(3);
    const url = await http.start();
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('k2_demo_things_total{service="demo"} 3');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('serves text families added to /metrics after the registry, given the default labels', async () => {
    const http = await start();
    http.addMetricsText(async (labels) => `# TYPE k2_demo_rows gauge\nk2_demo_rows{service="${labels.service}"} 7\n`);
    const url = await http.start();
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text.endsWith('# TYPE k2_demo_rows gauge\nk2_demo_rows{service="demo"} 7\n')).toBe(true);
  });

  it('serves added text of many pieces whole, never splitting a character outside the BMP', async () => {
    const http = await start();
    // The emoji's first UTF-16 unit is the last of the first 64 Ki piece.
    const rows =
      `# ${'x'.repeat(65_533)}\u{1F600}\n` + 'k2_demo_rows{service="demo",name="\u{1F600}"} 1\n'.repeat(5_000);
    http.addMetricsText(async () => rows);
    const url = await http.start();
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text.slice(text.indexOf('# xxx'))).toBe(rows);
  });

  it('serves added families given as chunks of bytes, in order, after the registry', async () => {
    const http = await start();
    const row = (i: number) => `k2_demo_rows{service="demo",row="${i}",name="\u{1F600}"} ${i}\n`;
    http.addMetricsText(async () =>
      (function* () {
        for (let i = 0; i < 3_000; i++) yield Buffer.from(row(i));
      })(),
    );
    const url = await http.start();
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text.slice(text.indexOf('k2_demo_rows'))).toBe(Array.from({ length: 3_000 }, (_, i) => row(i)).join(''));
  });
});
