import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startServer, type Tools } from '../../../test/support/servers.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const RULES = join(ROOT, 'alert-rules');
const ruleFiles = readdirSync(RULES).filter((f) => f.endsWith('.rules.yml'));
const testFiles = readdirSync(join(RULES, 'tests')).filter((f) => f.endsWith('.test.yml'));

interface Rule {
  alert?: string;
  record?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

let promtool: string;
beforeAll(async () => {
  promtool = ((await startServer('tools')) as unknown as Tools).promtool;
});

describe('alert-rules/*.rules.yml', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run(promtool, ['check', 'rules', ...ruleFiles], { cwd: RULES });
    expect(stdout).not.toContain('FAILED');
    expect(stdout.match(/SUCCESS/g)).toHaveLength(ruleFiles.length);
  });

  it('pass their promtool unit tests, and every rule file has one', async () => {
    const tested = new Set(
      testFiles.flatMap(
        (f) => (parse(readFileSync(join(RULES, 'tests', f), 'utf8')) as { rule_files: string[] }).rule_files,
      ),
    );
    expect([...tested].map((f) => f.replace('../', '')).sort()).toEqual([...ruleFiles].sort());
    const { stdout } = await run(promtool, ['test', 'rules', ...testFiles], { cwd: join(RULES, 'tests') });
    expect(stdout.match(/SUCCESS/g)).toHaveLength(testFiles.length);
  });

  it('give every alert a severity, a summary, a description and a runbook that exists', () => {
    const alerts = ruleFiles.flatMap((f) =>
      (parse(readFileSync(join(RULES, f), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) =>
        g.rules.filter((r) => r.alert),
      ),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(7);
    for (const a of alerts) {
      expect(['info', 'warning', 'critical'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      expect(a.annotations?.runbook_url, a.alert).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      expect(existsSync(join(ROOT, a.annotations!.runbook_url!)), a.annotations!.runbook_url).toBe(true);
    }
  });
});
