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
});
