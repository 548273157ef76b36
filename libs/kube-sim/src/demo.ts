import { ScenarioBuilder } from './builder.js';
import type { Scenario } from './scenario.js';

/**
 * The demo cluster `k2 up` plays when no real cluster is configured: one real problem of
 * each common kind, next to healthy workloads that must stay quiet.
 */
export function demoScenario(): Scenario {
  const b = new ScenarioBuilder(
    'k2-demo',
    'a crash loop, an OOM-killed Java service, a missing image and a healthy rollout',
  );
  const nodes = ['node-1', 'node-2', 'node-3'];
  for (const n of nodes) b.node(n);

  const cart = b.deployment('shop', 'cart', 4, nodes);
  b.deployment('shop', 'frontend', 3, nodes);
  cart.forEach((pod, i) => {
    for (let restart = 1; restart <= 5; restart++) b.crashLoop(pod, 30_000 + i * 1_000 + restart * 60_000, restart);
  });

  const [ledger] = b.deployment('billing', 'ledger', 2, nodes, 'registry.local/billing/ledger:1.8.2', '2Gi');
  [120_000, 300_000, 540_000].forEach((at, i) => b.oomKill(ledger!, at, i + 1));

  const gateway = b.deployment('api', 'gateway', 2, nodes, 'registry.local/api/gateway:4.2.0');
  gateway.forEach((pod, i) => {
    const image = 'registry.local/api/gateway:4.2.1';
    for (let attempt = 0; attempt < 4; attempt++) {
      const at = 200_000 + i * 500 + attempt * 45_000;
      b.podEvent(pod, at, 'Normal', 'Pulling', `Pulling image "${image}"`);
      b.podEvent(
        pod,
        at + 300,
        'Warning',
        'Failed',
        `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
      );
      b.podEvent(pod, at + 301, 'Warning', 'Failed', 'Error: ErrImagePull');
      b.podEvent(pod, at + 15_000, 'Warning', 'BackOff', `Back-off pulling image "${image}"`);
      b.podEvent(pod, at + 15_001, 'Warning', 'Failed', 'Error: ImagePullBackOff');
    }
  });

  const portal = b.deployment('web', 'portal', 3, nodes, 'registry.local/web/portal:2.0.0');
  portal.forEach((pod, i) => {
    const at = 1_000 + i * 2_000;
    b.podEvent(
      pod,
      at,
      'Normal',
      'Pulled',
      'Container image "registry.local/web/portal:2.0.0" already present on machine',
    );
    b.podEvent(pod, at + 100, 'Normal', 'Created', 'Created container portal');
    b.podEvent(pod, at + 200, 'Normal', 'Started', 'Started container portal');
  });
  return b.build();
}
