import { Incident } from '@k2/contracts';
import { describe, expect, it } from 'vitest';
import { SHARED_SCENARIO_NAMES, sharedAvailable, sharedExpectation } from '../../../test/support/shared.js';
import { Converger } from '../src/index.js';
import { notifications, replay } from './run.js';
import { allEvents, scenarioEvents } from './scenario.js';

/*
 * The expectations beside each shared scenario, met by the converger alone: the scenario's
 * K2Events (built without the eventer, see scenario.ts) replayed line by line with the watermark
 * following the scenario clock.
 */

describe.runIf(sharedAvailable())('shared scenarios: what a correct K2 produces', () => {
  for (const name of SHARED_SCENARIO_NAMES) {
    it(name, () => {
      const expected = sharedExpectation(name);
      const events = scenarioEvents(name);
      const out = replay(new Converger(), events);
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
          (e) =>
            e.oom?.container === kill.container && e.namespace === kill.namespace && e.workload.name === kill.workload,
        );
        expect(kills).toHaveLength(kill.count);
        const incident = out.filter((r) => r.class === 'oom_kill' && r.workload.name === kill.workload).at(-1);
        const counted = incident?.affected
          .filter((a) => a.container === kill.container)
          .reduce((n, a) => n + a.count, 0);
        expect(counted).toBe(kill.count);
      }
    });
  }
});
