import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@k2/config';
import { KNOWN_PROBLEM_CLASSES } from '@k2/contracts';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, loadPolicyFile, parsePolicyYaml, type Policy } from '../src/index.js';

const SHIPPED = fileURLToPath(new URL('../../../alert-rules/converger-policy.yaml', import.meta.url));

/** Everything a policy decides, as plain data. */
function settings(p: Policy) {
  const { classFor, recoveryReasons, noise, ...rest } = p;
  return {
    ...rest,
    classes: Object.fromEntries([...KNOWN_PROBLEM_CLASSES, 'other', 'other:Anything'].map((c) => [c, classFor(c)])),
    recoveryReasons: [...recoveryReasons].sort(),
    noise: { ...noise, benign: noise.benign.map((r) => ({ ...r, message: r.message?.source })) },
  };
}

function problems(text: string): { where: string; path: string; message: string }[] {
  try {
    parsePolicyYaml(text, 'policy.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the policy was accepted');
}

describe('the shipped policy', () => {
  it('is valid and spells out exactly the built-in defaults', () => {
    expect(settings(loadPolicyFile(SHIPPED))).toEqual(settings(defaultPolicy()));
  });

  it('has the defaults the issue asks for', () => {
    const p = defaultPolicy();
    expect(p.classFor('oom_kill')).toMatchObject({ holdSeconds: 0, severity: 'critical', quietSeconds: 600 });
    expect(p.classFor('crash_loop')).toMatchObject({ holdSeconds: 120, openAfterCount: 3 });
    expect(p.classFor('image_pull')).toMatchObject({ holdSeconds: 60, recovery: ['Pulled', 'Started'] });
    expect(p.classFor('scheduling')).toMatchObject({ holdSeconds: 120, recovery: ['Scheduled'] });
    expect(p.classFor('probe_failure')).toMatchObject({ holdSeconds: 120 });
    expect(p.classFor('volume_mount')).toMatchObject({ holdSeconds: 120 });
    expect(p.classFor('job_failure')).toMatchObject({ holdSeconds: 0 });
    expect(p.reopenWindowSeconds).toBe(1800);
    expect(p.flappingReopens).toBe(3);
  });
});

describe('policy files', () => {
  it('override a class field by field, and other:<reason> inherits from other', () => {
    const p = parsePolicyYaml(
      [
        'classes:',
        '  crash_loop: { openAfterCount: 5 }',
        '  other: { severity: warning }',
        '  other:FailedKillPod: { holdSeconds: 30 }',
      ].join('\n'),
      'policy.yaml',
    );
    expect(p.classFor('crash_loop')).toMatchObject({ openAfterCount: 5, holdSeconds: 120, severity: 'warning' });
    expect(p.classFor('other:FailedKillPod')).toMatchObject({ holdSeconds: 30, severity: 'warning' });
    expect(p.classFor('other:Unlisted')).toMatchObject({ holdSeconds: 0, severity: 'warning' });
  });

  it('may be empty', () => {
    expect(settings(parsePolicyYaml('', 'policy.yaml'))).toEqual(settings(defaultPolicy()));
  });

  it('name file:line:col and path of an unknown key', () => {
    expect(problems('classes:\n  crash_loop:\n    holdSecond: 60\n')).toEqual([
      { where: 'policy.yaml:3:5', path: 'classes.crash_loop.holdSecond', message: 'unknown key (misspelt?)' },
    ]);
  });

  it('name file:line:col and path of a bad value', () => {
    const [problem] = problems('classes:\n  oom_kill:\n    severity: page-me\n');
    expect(problem).toMatchObject({ where: 'policy.yaml:3:15', path: 'classes.oom_kill.severity' });
  });

  it('refuse a class that does not exist, at its key', () => {
    expect(problems('classes:\n  crashloop: {}\n')).toEqual([
      {
        where: 'policy.yaml:2:3',
        path: 'classes.crashloop',
        message: 'not a problem class (known class, other, or other:<reason>)',
      },
    ]);
  });

  it('refuse a noise pattern that is not a regular expression', () => {
    const [problem] = problems("noise:\n  benign:\n    - { reason: Failed, message: '(' }\n");
    expect(problem).toMatchObject({ path: 'noise.benign.0.message', message: 'not a valid regular expression' });
  });

  it('refuse a class that causes itself', () => {
    const [problem] = problems('causes:\n  rules:\n    - { cause: oom_kill, effects: [oom_kill] }\n');
    expect(problem).toMatchObject({ path: 'causes.rules.0.effects', message: 'a class cannot be its own effect' });
  });

  it('report YAML syntax errors and non-mappings with their position', () => {
    expect(problems('classes: [\n')[0]!.where).toMatch(/^policy\.yaml:\d+:\d+$/);
    expect(problems('- a\n- b\n')).toEqual([
      { where: 'policy.yaml:1:1', path: '', message: 'the policy must be a YAML mapping' },
    ]);
  });

  it('report a file that cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-policy-'));
    expect(() => loadPolicyFile(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: \(root\): cannot read/);
    writeFileSync(join(dir, 'p.yaml'), 'limits: { maxAffected: 80 }\n');
    expect(() => loadPolicyFile(join(dir, 'p.yaml'))).toThrow(/p\.yaml:1:\d+: limits\.maxAffected/);
  });
});
