import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '@k2/contracts';
import { parseRoutingYaml } from '../src/index.js';

/** A routing file from YAML text (tests keep configs next to their assertions). */
export const routing = (yaml: string) => parseRoutingYaml(yaml, 'test.yaml');

export class Clock {
  constructor(public ms = Date.parse('2026-03-02T10:00:00Z')) {}
  now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

let seq = 0;
export function alert(labels: Record<string, string>, over: Partial<Alert> = {}): Alert {
  return {
    fingerprint: over.fingerprint ?? `fp-${Object.entries(labels).sort().flat().join('-')}`,
    labels,
    annotations: { summary: `problem ${labels.alertname ?? ''}` },
    status: 'firing',
    startsAt: '2026-03-02T10:00:00.000Z',
    source: 'api',
    receivedAt: Date.parse('2026-03-02T10:00:00Z') + seq++,
    ...over,
  };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** A loopback HTTP server standing in for a provider; `answer` decides each reply. */
export async function loopback(
  answer: (
    req: Received,
    n: number,
  ) => { status?: number; body?: string; headers?: Record<string, string> } | 'hang' = () => ({}),
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      };
      received.push(r);
      const a = answer(r, received.length);
      if (a === 'hang') return;
      res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
      res.end(a.body ?? '{"errcode":0,"errmsg":"ok","code":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `check` returns a truthy value (no fixed sleeps). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
