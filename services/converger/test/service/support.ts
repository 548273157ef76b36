import { fileURLToPath } from 'node:url';
import type { Bus, Subscription } from '@k2/bus';
import { Incident, INCIDENTS_TOPIC, type K2Event } from '@k2/contracts';
import { loadScenario } from '@k2/kube-sim';
import { createLogger } from '@k2/log';
import { Converger } from '../../src/index.js';
import { eventsOfScenario } from '../scenario.js';

export const quietLog = createLogger({ name: 'converger-test', level: process.env.K2_TEST_LOG ? 'info' : 'silent' });

const SCENARIOS = fileURLToPath(new URL('../../../../scenarios/', import.meta.url));

/** The K2Events of two of K2's own scenarios, in event-time order: probe kills and evictions on a failing node. */
export function scenarioStream(): K2Event[] {
  const events = ['liveness-kills', 'evictions'].flatMap((name) =>
    eventsOfScenario(loadScenario(`${SCENARIOS}${name}.jsonl`)).steps.flatMap((s) => s.events),
  );
  return events.sort((a, b) => Date.parse(a.lastSeen) - Date.parse(b.lastSeen));
}

/** What an uninterrupted converger decides for `events` by the watermark `until`. */
export function expectedRecords(events: readonly K2Event[], until: number): Incident[] {
  const c = new Converger();
  const out: Incident[] = [];
  for (const e of events) out.push(...c.apply(e));
  out.push(...c.tick(until));
  return out;
}

/**
 * The records of each incident in order, as a reader of k2.incidents sees them (through the
 * schema): order between incidents depends on partitions, order within one is the contract.
 */
export function byIncident(records: readonly Incident[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[r.id] ??= []).push(JSON.stringify(Incident.parse(r)));
  return out;
}

/** Every record on k2.incidents from now on (a group of its own, from the beginning). */
export async function collectIncidents(bus: Bus, groupId: string): Promise<{ records: Incident[]; sub: Subscription }> {
  const records: Incident[] = [];
  const sub = await bus.subscribe<Incident>({
    topics: INCIDENTS_TOPIC,
    groupId,
    fromBeginning: true,
    schema: Incident,
    handler: async (m) => void records.push(m.value),
  });
  return { records, sub };
}

/** Records in arrival order with exact repeats of one (id, seq) removed. */
export function distinct(records: readonly Incident[]): Incident[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.id}/${r.seq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const lastSeenMs = (events: readonly K2Event[]) => Math.max(...events.map((e) => Date.parse(e.lastSeen)));
