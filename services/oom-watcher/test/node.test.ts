import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { loadScenario, type KubeObject, type KubeSimulator } from '@k2/kube-sim';
import type { OomWatcher, OomWatcherOptions } from '@k2/oom-watcher';
import { startSim } from '../../../libs/kube-sim/test/helpers.js';
import { sharedAvailable, sharedScenarioPath } from '../../../test/support/shared.js';
import { FIXTURE_PODS, FIXTURES, LAYOUTS, type FixturePod } from './fixtures.js';
import { collect, existingCheckpoint, runWatcher, settle, sleep, tempCheckpoint, tempDir } from './harness.js';

const running: OomWatcher[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
});

const BOOT_ID = '6f1c0a52-5a7e-4a43-9d3b-3f5d2f2c9e11';

/** Node mode on node-1, reading `kmsgPath`; kernel times count from a boot one minute ago. */
async function watchNode(
  sim: KubeSimulator,
  bus: InProcessBus,
  kmsgPath: string,
  checkpoint: string,
  options: Partial<OomWatcherOptions> = {},
) {
  const r = await runWatcher(sim, bus, checkpoint, {
    mode: 'node',
    nodeName: 'node-1',
    kmsgPath,
    kernel: { bootId: BOOT_ID, bootTimeMs: Date.now() - 60_000, pollMs: 20, tickMs: 50, mapGraceMs: 400 },
    ...options,
  });
  running.push(r.watcher);
  return r;
}

/** A workload's objects and its pod on node-1, with the uid and container id the fixtures name. */
function objectsFor(p: FixturePod): KubeObject[] {
  const limits = p.limit ? { limits: { memory: p.limit } } : {};
  const stateful = p.name === 'indexer-0';
  const rs = p.name.replace(/-[a-z0-9]{5}$/, '');
  const owner = stateful ? { kind: 'StatefulSet', name: 'indexer' } : { kind: 'ReplicaSet', name: rs };
  const workload: KubeObject[] = stateful
    ? [{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'indexer', namespace: p.namespace }, spec: {} }]
    : [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: rs.replace(/-[a-z0-9]+$/, ''), namespace: p.namespace },
          spec: {},
        },
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: rs,
            namespace: p.namespace,
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: rs.replace(/-[a-z0-9]+$/, ''),
                uid: 'x',
                controller: true,
              },
            ],
          },
          spec: {},
        },
      ];
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid,
      ownerReferences: [{ apiVersion: 'apps/v1', ...owner, uid: 'x', controller: true }],
    },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: p.container, image: `registry.local/${p.container}:1`, resources: limits }],
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: p.container,
          ready: true,
          restartCount: 0,
          containerID: `containerd://${p.containerId}`,
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        },
      ],
    },
  };
  return [...workload, pod];
}

function fixtureCopy(...names: string[]): string {
  const path = join(tempDir(), 'kmsg');
  writeFileSync(path, names.map((n) => readFileSync(join(FIXTURES, n), 'utf8')).join(''));
  return path;
}

const WORKLOADS: Record<string, { kind: string; name: string }> = {
  ledger: { kind: 'Deployment', name: 'ledger' },
  report: { kind: 'Deployment', name: 'report-gen' },
  indexer: { kind: 'StatefulSet', name: 'indexer' },
  trainer: { kind: 'Deployment', name: 'trainer' },
};

describe.runIf(sharedAvailable())('node mode, kernel OOM lines', () => {
  async function cluster() {
    const { sim, kc } = await startSim({ scenarios: [loadScenario(sharedScenarioPath('oom-java'))] });
    for (const p of [FIXTURE_PODS.report, FIXTURE_PODS.indexer, FIXTURE_PODS.trainer])
      for (const o of objectsFor(p)) sim.cluster.apply(o);
    return { sim, kc };
  }

  it.each(LAYOUTS)(
    '$file → $pod.namespace/$pod.name container $pod.container, process $process',
    async ({ file, pod, process, pid }) => {
      const { sim, kc } = await cluster();
      const bus = new InProcessBus();
      const events = await collect(bus);
      await watchNode(sim, bus, fixtureCopy('noise.log', file), existingCheckpoint(sim));
      await settle(events, 1);
      expect(events).toHaveLength(1);
      const limitBytes = pod.limit
        ? { '2Gi': 2 * 1024 ** 3, '512Mi': 512 * 1024 ** 2, '4Gi': 4 * 1024 ** 3 }[pod.limit]
        : undefined;
      expect(events[0]).toMatchObject({
        namespace: pod.namespace,
        reason: 'OOMKilled',
        involvedObject: { kind: 'Pod', name: pod.name, uid: pod.uid, fieldPath: `spec.containers{${pod.container}}` },
        workload: WORKLOADS[pod.container],
        source: { component: 'k2-oom-watcher', host: 'node-1' },
        oom: { container: pod.container, process, node: 'node-1', ...(limitBytes ? { limitBytes } : {}) },
      });
      // The pod did not restart (a child process may be what died): no restart count, no finishedAt.
      expect(events[0]!.oom!.restartCount).toBeUndefined();

      const core = kc.makeApiClient(CoreV1Api);
      const list = async () =>
        (
          await core.listNamespacedEvent({
            namespace: pod.namespace,
            fieldSelector: `involvedObject.name=${pod.name},reason=OOMKilling`,
          })
        ).items;
      let items = await list();
      for (let i = 0; i < 100 && items.length === 0; i++, items = await list()) await sleep(20);
      const limitText = pod.limit ? `limit ${pod.limit}` : 'no memory limit';
      expect(items.map((e) => [e.count, e.message])).toEqual([
        [1, `Container ${pod.container} was OOM-killed (${limitText}); process ${process} (pid ${pid}) killed`],
      ]);
    },
  );

  it('follows the log as it grows, skips replayed records, and resumes after a restart', async () => {
    const { sim } = await cluster();
    const bus = new InProcessBus();
    const events = await collect(bus);
    const checkpoint = existingCheckpoint(sim);
    const lines = readFileSync(join(FIXTURES, 'kmsg-v2-systemd-burstable.log'), 'utf8').split(/(?<=\n)/);
    const cut = lines.findIndex((l) => l.includes('oom-kill:'));
    const path = fixtureCopy('noise.log');
    appendFileSync(path, lines.slice(0, cut).join(''));
    const first = await watchNode(sim, bus, path, checkpoint);
    await sleep(200);
    expect(events).toHaveLength(0);

    appendFileSync(path, lines.slice(cut).join(''));
    await settle(events, 1);
    // The same records again (a re-read ring buffer): their sequence numbers are behind us.
    appendFileSync(path, lines.join(''));
    await sleep(300);
    expect(events).toHaveLength(1);
    running.splice(running.indexOf(first.watcher), 1);
    await first.watcher.stop();
    expect(readFileSync(checkpoint, 'utf8')).toContain(`{"b":"${BOOT_ID}","s":20334}`);

    // A new instance reads the file from the start: everything up to the checkpoint is skipped.
    const second = await watchNode(sim, bus, path, checkpoint);
    appendFileSync(path, readFileSync(join(FIXTURES, 'kmsg-v2-cgroupfs-guaranteed.log')));
    await settle(events, 2);
    expect(events.map((e) => e.oom?.process)).toEqual(['java', 'trainer']);
    expect(await second.metric('k2_oom_watcher_kills_deduplicated_total')).toBe(0);
  });

  it('waits for a pod the informer has not seen yet, and gives up on unknown ones after a grace period', async () => {
    const { sim } = await startSim({});
    const bus = new InProcessBus();
    const events = await collect(bus);
    const { metric } = await watchNode(
      sim,
      bus,
      fixtureCopy('dmesg-v2-systemd-guaranteed.log', 'dmesg-v1-cgroupfs-legacy.log'),
      existingCheckpoint(sim),
    );
    await sleep(100);
    for (const o of objectsFor(FIXTURE_PODS.trainer)) sim.cluster.apply(o);
    await settle(events, 1);
    expect(events[0]).toMatchObject({
      involvedObject: { name: FIXTURE_PODS.trainer.name },
      oom: { process: 'python3' },
    });
    // The indexer pod never shows up on this node.
    for (let i = 0; i < 100 && (await metric('k2_oom_watcher_kills_skipped_total', { reason: 'unmapped' })) < 1; i++)
      await sleep(20);
    expect(await metric('k2_oom_watcher_kills_skipped_total', { reason: 'unmapped' })).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('on the very first start, records old kernel kills without publishing them', async () => {
    const { sim } = await cluster();
    const bus = new InProcessBus();
    const events = await collect(bus);
    const checkpoint = tempCheckpoint();
    const path = fixtureCopy('kmsg-v1-cgroupfs-besteffort.log');
    // Booted a year ago: the kill, a day after boot, is long past.
    const kernel = { bootId: BOOT_ID, bootTimeMs: Date.now() - 365 * 86_400_000, pollMs: 20, tickMs: 50 };
    const first = await watchNode(sim, bus, path, checkpoint, { kernel });
    for (
      let i = 0;
      i < 100 && (await first.metric('k2_oom_watcher_kills_skipped_total', { reason: 'too_old' })) < 1;
      i++
    )
      await sleep(20);
    expect(await first.metric('k2_oom_watcher_kills_skipped_total', { reason: 'too_old' })).toBe(1);
    running.splice(running.indexOf(first.watcher), 1);
    await first.watcher.stop();

    await watchNode(sim, bus, path, checkpoint, { kernel });
    appendFileSync(path, readFileSync(join(FIXTURES, 'kmsg-v2-systemd-burstable.log')));
    await settle(events, 1);
    expect(events.map((e) => e.oom?.container)).toEqual(['ledger']);
  });

  it('survives garbage: megabyte lines, invalid UTF-8, binary noise', async () => {
    const { sim } = await cluster();
    const bus = new InProcessBus();
    const events = await collect(bus);
    const path = join(tempDir(), 'kmsg');
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(`6,1,1,-;oom-kill:task=${'x'.repeat(1_048_576)},pid=1\n`),
        Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0xc3, 0x28, 0x0a]),
        Buffer.from('6,2,2,-;Killed process 99999999999999 (x)\n4,3,3,-;oom-kill:pid=abc,task=\n'),
        readFileSync(join(FIXTURES, 'kmsg-v1-systemd-besteffort.log')),
      ]),
    );
    const { watcher, metric } = await watchNode(sim, bus, path, existingCheckpoint(sim));
    await settle(events, 1);
    expect(events[0]).toMatchObject({ involvedObject: { name: FIXTURE_PODS.report.name }, oom: { process: 'report' } });
    expect(await metric('k2_oom_watcher_input_malformed_total', { reason: 'kernel_line_too_long' })).toBe(1);
    expect(watcher.readiness()).toBe(true);
  });
});

describe('node mode settings', () => {
  it('refuses to start without a node name', async () => {
    const { sim } = await startSim({});
    await expect(runWatcher(sim, new InProcessBus(), tempCheckpoint(), { mode: 'node' })).rejects.toThrow(
      /nodeName is required/,
    );
  });
});
