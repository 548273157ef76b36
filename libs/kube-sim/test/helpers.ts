import { KubeConfig } from '@kubernetes/client-node';
import { afterEach } from 'vitest';
import { KubeSimulator, ScenarioBuilder, type SimulatorOptions } from '@k2/kube-sim';

const running: KubeSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A started simulator on a free port with the scenarios' first second applied, stopped after the test. */
export async function startSim(options: SimulatorOptions = {}): Promise<{ sim: KubeSimulator; kc: KubeConfig }> {
  const sim = new KubeSimulator({ virtualTime: true, ...options });
  running.push(sim);
  await sim.start();
  if (options.virtualTime !== false) sim.advance(1_000);
  return { sim, kc: kubeConfigFor(sim) };
}

export function kubeConfigFor(sim: KubeSimulator, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig(token));
  return kc;
}

/** A small cluster: shop/cart with 3 pods that crash-loop from t=60s, and web/portal healthy. */
export function shopScenario() {
  const b = new ScenarioBuilder('shop');
  b.node('node-1').node('node-2');
  const cart = b.deployment('shop', 'cart', 3, ['node-1', 'node-2']);
  b.deployment('web', 'portal', 2, ['node-2']);
  cart.forEach((pod, i) => {
    for (let r = 1; r <= 3; r++) b.crashLoop(pod, 60_000 * r + i * 100, r);
  });
  return { scenario: b.build(), cart, builder: b };
}

/** Polls until `check` returns a value that is not undefined. */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Raw HTTPS request to the simulator with the admin token (or another). */
export async function api(
  sim: KubeSimulator,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; contentType?: string; accept?: string } = {},
) {
  const { request } = await import('node:https');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const url = new URL(path, sim.url);
    const headers: Record<string, string> = {};
    const token = init.token === undefined ? sim.token : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    if (init.accept) headers.accept = init.accept;
    const req = request(url, { method: init.method ?? 'GET', headers, ca: sim.caCert }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // non-JSON bodies stay text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(typeof init.body === 'string' ? init.body : JSON.stringify(init.body));
    req.end();
  });
}
