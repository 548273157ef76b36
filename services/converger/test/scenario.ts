import {
  fingerprint,
  Incident,
  normalizeCoreEvent,
  oomEventId,
  withWorkload,
  workloadFromOwnerChain,
  type K2Event,
  type OwnerReference,
} from '@k2/contracts';
import { loadScenario, type KubeObject, type Scenario, type ScenarioLine } from '@k2/kube-sim';
import { expect } from 'vitest';
import { sharedScenarioPath, type ScenarioExpectation } from '../../../test/support/shared.js';
import { notifications } from './run.js';

/*
 * A scenario's K2Events without the eventer and the OOM watcher: its Event lines normalised with
 * normalizeCoreEvent and given their workload through the scenario's owner references, plus one
 * OOMKilled K2Event per container termination with reason OOMKilled (one per finishedAt).
 */

export const SCENARIO_CLUSTER = 'scenario';

export interface Step {
  /** Scenario time (ms) of the line. */
  at: number;
  events: K2Event[];
}

export interface ScenarioEvents {
  epoch: number;
  duration: number;
  steps: Step[];
}

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}
interface Terminated {
  reason?: string;
  finishedAt?: string;
}

type Owned = KubeObject & { metadata: { ownerReferences?: OwnerReference[] } };

export function scenarioEvents(name: string): ScenarioEvents {
  return eventsOfScenario(loadScenario(sharedScenarioPath(name)));
}

/** The K2Events of any scenario (a shared one, one of scenarios/, or one built in code). */
export function eventsOfScenario(scenario: Scenario): ScenarioEvents {
  const epoch = scenario.epoch ?? 0;
  const owners = new Map<string, readonly OwnerReference[] | undefined>();
  const ownerKey = (kind: string, namespace: string | undefined, objName: string) =>
    `${kind}/${namespace ?? ''}/${objName}`;
  const seenKills = new Set<string>();
  const steps: Step[] = [];

  for (const line of scenario.lines) {
    const object = line.object as Owned;
    const { namespace } = object.metadata;
    if (object.kind !== 'Event')
      owners.set(ownerKey(object.kind!, namespace, object.metadata.name!), object.metadata.ownerReferences);
    const workloadOf = (kind: string, objName: string) =>
      workloadFromOwnerChain({ kind, name: objName }, owners.get(ownerKey(kind, namespace, objName)), (o) =>
        owners.get(ownerKey(o.kind, namespace, o.name)),
      );
    const events =
      object.kind === 'Event' ? [k2Event(line, epoch, workloadOf)] : kills(object, line, workloadOf, seenKills);
    if (events.length > 0) steps.push({ at: line.at, events });
  }
  return { epoch, duration: scenario.duration, steps };
}

type WorkloadOf = (kind: string, name: string) => K2Event['workload'];

function k2Event(line: ScenarioLine, epoch: number, workloadOf: WorkloadOf): K2Event {
  const result = normalizeCoreEvent(line.object, { cluster: SCENARIO_CLUSTER, now: new Date(epoch + line.at) });
  if (!result.ok) throw new Error(`${line.source}: ${result.error}`);
  const { kind, name } = result.event.involvedObject;
  return withWorkload(result.event, workloadOf(kind, name));
}

function kills(pod: Owned, line: ScenarioLine, workloadOf: WorkloadOf, seen: Set<string>): K2Event[] {
  if (pod.kind !== 'Pod' || line.verb === 'delete') return [];
  const statuses = (pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? [];
  const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  const events: K2Event[] = [];
  for (const s of statuses) {
    for (const t of [s.state?.terminated, s.lastState?.terminated]) {
      if (t?.reason !== 'OOMKilled' || !t.finishedAt) continue;
      const id = oomEventId(SCENARIO_CLUSTER, pod.metadata.uid!, s.name, t.finishedAt);
      if (seen.has(id)) continue;
      seen.add(id);
      const finishedAt = new Date(t.finishedAt).toISOString();
      const core = {
        cluster: SCENARIO_CLUSTER,
        namespace: pod.metadata.namespace ?? 'default',
        involvedObject: {
          kind: 'Pod',
          name: pod.metadata.name!,
          uid: pod.metadata.uid!,
          fieldPath: `spec.containers{${s.name}}`,
        },
        workload: workloadOf('Pod', pod.metadata.name!),
        reason: 'OOMKilled',
        message: `Container ${s.name} was OOM-killed`,
      };
      events.push({
        schemaVersion: 1,
        id,
        fingerprint: fingerprint(core),
        ...core,
        type: 'Warning',
        source: { component: 'k2-oom-watcher', ...(node ? { host: node } : {}) },
        count: 1,
        occurrence: 1,
        firstSeen: finishedAt,
        lastSeen: finishedAt,
        oom: {
          container: s.name,
          finishedAt,
          ...(node ? { node } : {}),
          ...(s.restartCount !== undefined ? { restartCount: s.restartCount } : {}),
        },
      });
    }
  }
  return events;
}

/** Every K2Event of the scenario, in delivery order. */
export function allEvents(s: ScenarioEvents): K2Event[] {
  return s.steps.flatMap((step) => step.events);
}

/**
 * Checks a scenario's expectations (see ../shared/README.md) against the converger's records:
 * each expected incident named, silent workloads never named, notifications bounded, and each
 * workload's container yielding its OOMKilled K2Events, all counted by its oom_kill incident.
 */
export function expectScenario(expected: ScenarioExpectation, events: ScenarioEvents, out: readonly Incident[]): void {
  for (const record of out) expect(Incident.safeParse(record).error).toBeUndefined();
  for (const { namespace, workload } of expected.incidents) {
    expect(
      out.some((r) => r.namespace === namespace && r.workload.name === workload),
      `${namespace}/${workload}`,
    ).toBe(true);
  }
  for (const workload of expected.silent_workloads) {
    expect(out.filter((r) => r.workload.name === workload).map((r) => r.summary)).toEqual([]);
  }
  expect(notifications(out).length).toBeLessThanOrEqual(expected.max_notifications);
  for (const kill of expected.oom_kills ?? []) {
    const kills = allEvents(events).filter(
      (e) => e.oom?.container === kill.container && e.namespace === kill.namespace && e.workload.name === kill.workload,
    );
    expect(kills).toHaveLength(kill.count);
    const incident = out.filter((r) => r.class === 'oom_kill' && r.workload.name === kill.workload).at(-1);
    const counted = incident?.affected.filter((a) => a.container === kill.container).reduce((n, a) => n + a.count, 0);
    expect(counted).toBe(kill.count);
  }
}
