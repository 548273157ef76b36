import { describe, it } from 'vitest';
import { SHARED_SCENARIO_NAMES, sharedAvailable, sharedExpectation } from '../../../test/support/shared.js';
import { Converger } from '../src/index.js';
import { replay } from './run.js';
import { expectScenario, scenarioEvents } from './scenario.js';

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
      expectScenario(expected, events, out);
    });
  }
});
