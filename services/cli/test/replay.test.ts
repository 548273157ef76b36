import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema } from '@k2/config';
import { Incident, K2Event } from '@k2/contracts';
import { loadScenario } from '@k2/kube-sim';
import { createLogger } from '@k2/log';
import {
  SHARED_SCENARIO_NAMES,
  sharedAvailable,
  sharedExpectation,
  sharedScenarioPath,
  type ScenarioExpectation,
} from '../../../test/support/shared.js';
import { replay } from '../src/replay.js';

const BIN = fileURLToPath(new URL('../../../bin/k2.js', import.meta.url));
const OWN = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const OWN_NAMES = ['node-notready', 'evictions', 'failed-mount', 'liveness-kills'];
const log = createLogger({ name: 'replay-test', level: 'silent' });

const readJsonl = <T>(file: string, parse: (v: unknown) => T): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => parse(JSON.parse(l)));

/** A scenario's expectations, checked on what `k2 replay` wrote: through eventer, OOM watcher and converger. */
async function replayAndCheck(file: string, expected: ScenarioExpectation) {
  const out = mkdtempSync(join(tmpdir(), 'k2-replay-test-'));
  await replay({ scenario: loadScenario(file), config: configSchema.parse({}), out, log });
  const events = readJsonl(join(out, 'events.jsonl'), (v) => K2Event.parse(v));
  const incidents = readJsonl(join(out, 'incidents.jsonl'), (v) => Incident.parse(v));
  const notifications = readJsonl(join(out, 'notifications.jsonl'), (v) => Incident.parse(v));
  for (const { namespace, workload } of expected.incidents)
    expect(incidents.some((i) => i.namespace === namespace && i.workload.name === workload)).toBe(true);
  for (const workload of expected.silent_workloads) {
    expect(incidents.filter((i) => i.workload.name === workload).map((i) => i.summary)).toEqual([]);
    expect(notifications.filter((i) => i.workload.name === workload)).toEqual([]);
  }
  if (expected.incidents.length > 0) expect(notifications.length).toBeGreaterThan(0);
  expect(notifications.length).toBeLessThanOrEqual(expected.max_notifications);
  for (const kill of expected.oom_kills ?? []) {
    const kills = events.filter(
      (e) =>
        e.reason === 'OOMKilled' &&
        e.namespace === kill.namespace &&
        e.workload.name === kill.workload &&
        e.oom?.container === kill.container,
    );
    expect(kills).toHaveLength(kill.count);
  }
  // Every incident that opened is over by the end of the replay.
  const last = new Map<string, Incident>();
  for (const i of incidents) last.set(i.id, i);
  expect([...last.values()].filter((i) => i.status === 'open')).toEqual([]);
}

describe('k2 replay', () => {
  describe.runIf(sharedAvailable())('shared scenarios', () => {
    for (const name of SHARED_SCENARIO_NAMES) {
      it(
        `${name}: meets its expectations`,
        () => replayAndCheck(sharedScenarioPath(name), sharedExpectation(name)),
        60_000,
      );
    }
  });

  for (const name of OWN_NAMES) {
    it(
      `own ${name}: meets its expectations`,
      () => replayAndCheck(`${OWN}${name}.jsonl`, JSON.parse(readFileSync(`${OWN}${name}.expect.json`, 'utf8'))),
      60_000,
    );
  }

  it('as a command: writes the three files and exits 0; a broken scenario exits 1 with the line', () => {
    const out = mkdtempSync(join(tmpdir(), 'k2-replay-cli-'));
    const ok = spawnSync(process.execPath, [BIN, 'replay', '--scenario', `${OWN}liveness-kills.jsonl`, '--out', out], {
      encoding: 'utf8',
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/replayed .* \d+ events, \d+ incident records, \d+ notifications/);
    for (const f of ['events.jsonl', 'incidents.jsonl', 'notifications.jsonl'])
      expect(readFileSync(join(out, f), 'utf8').length).toBeGreaterThan(0);
    const broken = join(out, 'broken.jsonl');
    writeFileSync(broken, '{"at": 0, "verb": "create"}\nnot json\n');
    const bad = spawnSync(process.execPath, [BIN, 'replay', '--scenario', broken, '--out', out], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/broken\.jsonl:\d+/);
  }, 60_000);
});
