import type { Incident, K2Event } from '@k2/contracts';
import { event, incident, T0 } from '../../../../libs/event-store/test/fixtures.js';

const MIN = 60_000;

/** A message a cluster could send that would run script if the UI rendered it as HTML. */
export const HOSTILE_MESSAGE = '<script>alert("xss-script")</script> pulled <img src=x onerror=alert("xss-img")>';

/** Two hours of events in two namespaces: Warnings and Normals, a disk-pressure burst, an OOM kill, a hostile message. */
export function seedEvents(): K2Event[] {
  const events: K2Event[] = [];
  for (let i = 0; i < 40; i++) {
    const warning = i % 3 === 0;
    events.push(
      event({
        at: T0 + i * 3 * MIN,
        n: i,
        namespace: i % 2 ? 'pay' : 'shop',
        name: i % 2 ? `api-5c8f-${i}` : 'cart-7d9f-abcde',
        workload: { kind: 'Deployment', name: i % 2 ? 'api' : 'cart' },
        reason: warning ? 'BackOff' : 'Pulled',
        type: warning ? 'Warning' : 'Normal',
        message: warning ? `Back-off restarting failed container ${i}` : `Successfully pulled image build-${i}`,
      }),
    );
  }
  for (let i = 0; i < 3; i++)
    events.push(
      event({
        at: T0 + (100 + i) * MIN,
        n: 100 + i,
        namespace: 'shop',
        kind: 'Node',
        name: 'node-a',
        reason: 'NodeHasDiskPressure',
        message: `node node-a status is now: disk pressure ${i}`,
      }),
    );
  events.push(
    event({
      at: T0 + 50 * MIN,
      n: 200,
      reason: 'OOMKilling',
      message: 'Container cart was OOM-killed (limit 256Mi)',
      oom: { container: 'cart', limitBytes: 268435456, process: 'java' },
    }),
    event({ at: T0 + 55 * MIN, n: 300, reason: 'Evil', type: 'Normal', message: HOSTILE_MESSAGE }),
  );
  return events;
}

export function seedIncidents(): Incident[] {
  return [
    incident({ seq: 1, at: T0 + 60 * MIN, summary: 'cart is crash-looping in shop', severity: 'critical' }),
    incident({
      seq: 1,
      at: T0 + 70 * MIN,
      id: 'c'.repeat(32),
      namespace: 'pay',
      workload: { kind: 'Deployment', name: 'api' },
      class: 'oom_kill',
      summary: 'api was OOM-killed',
      affected: [{ kind: 'Pod', name: 'api-5c8f-1', container: 'api', count: 2 }],
      status: 'resolved',
    }),
  ];
}

/** A fresh event for the live tail, later than everything seeded. */
export const tailEvent = (): K2Event =>
  event({
    at: T0 + 200 * MIN,
    n: 999,
    namespace: 'shop',
    reason: 'Started',
    type: 'Normal',
    message: 'tail-check: container started',
  });
