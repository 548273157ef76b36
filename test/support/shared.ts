import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The shared sample scenarios live beside the repository (../shared/scenarios), where CI and
 * developers have them. Without them a test is skipped with its reason, except in CI, where a
 * missing file fails the run rather than passing silently.
 */
export const SHARED_SCENARIOS = fileURLToPath(new URL('../../../shared/scenarios/', import.meta.url));

export interface ScenarioExpectation {
  incidents: { namespace: string; workload: string }[];
  max_notifications: number;
  silent_workloads: string[];
  oom_kills?: { namespace: string; workload: string; container: string; count: number }[];
}

export const SHARED_SCENARIO_NAMES = ['benign-rollout', 'crashloop-storm', 'image-pull', 'oom-java'] as const;

export function sharedAvailable(): boolean {
  const here = existsSync(SHARED_SCENARIOS);
  if (!here && process.env.CI)
    throw new Error(`the shared scenarios are missing at ${SHARED_SCENARIOS}; CI must provide them`);
  if (!here) console.warn(`skipping shared-scenario tests: ${SHARED_SCENARIOS} not found`);
  return here;
}

export function sharedScenarioPath(name: string): string {
  return `${SHARED_SCENARIOS}${name}.jsonl`;
}

export function sharedExpectation(name: string): ScenarioExpectation {
  return JSON.parse(readFileSync(`${SHARED_SCENARIOS}${name}.expect.json`, 'utf8')) as ScenarioExpectation;
}
