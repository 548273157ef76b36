import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig, type ConfigProblem } from '@k2/config';

const dir = mkdtempSync(join(tmpdir(), 'k2-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

let files = 0;
/** Writes `text` to a fresh YAML file and returns its path. */
function file(text: string): string {
  const path = join(dir, `k2-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** The problems loadConfig reports; fails the test if it accepts the config. */
function problems(path: string | undefined, env: NodeJS.ProcessEnv = {}): ConfigProblem[] {
  try {
    loadConfig(path, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${path ?? 'the defaults'} with ${JSON.stringify(env)}`);
}

const DEFAULTS = {
  cluster: 'demo',
  kubernetes: { mode: 'simulator' },
  simulator: {
    host: '127.0.0.1',
    port: 6443,
    scenarios: [],
    speed: 10,
    loop: true,
    historyLimit: 100_000,
    bookmarkIntervalSeconds: 60,
    kubeconfigPath: '.k2/kubeconfig',
    users: [],
  },
  bus: { kind: 'embedded', kafka: { brokers: '127.0.0.1:9092', clientId: 'k2' }, partitions: 6 },
  eventer: {
    enabled: true,
    namespaces: [],
    maxEventAgeSeconds: 600,
    include: [],
    exclude: [],
    queueLimit: 10_000,
    batchSize: 1000,
    checkpointPath: '.k2/eventer-checkpoint.jsonl',
    leaderElection: {
      enabled: true,
      namespace: 'k2-system',
      leaseName: 'k2-eventer',
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    },
    http: { host: '127.0.0.1', port: 9101 },
  },
  oomWatcher: {
    enabled: true,
    mode: 'cluster',
    kmsgPath: '/dev/kmsg',
    reportEvents: true,
    checkpointPath: '.k2/oom-watcher-checkpoint.jsonl',
    http: { host: '127.0.0.1', port: 9102 },
  },
  converger: {
    enabled: true,
    groupId: 'k2-converger',
    latenessSeconds: 5,
    idleSeconds: 5,
    http: { host: '127.0.0.1', port: 9103 },
  },
  log: { level: 'info' },
};

/** The sections DEFAULTS spells out (each service's own tests check the defaults of its section). */
const core = (config: object) => Object.fromEntries(Object.entries(config).filter(([section]) => section in DEFAULTS));

describe('loadConfig: eventer filters and leases', () => {
  it('reports an invalid regular expression at its path instead of silently matching nothing', () => {
    const f = file(['eventer:', '  exclude:', '    - reason: "Back(Off"'].join('\n'));
    expect(() => loadConfig(f, { env: {} })).toThrow(`${f}:3:15: eventer.exclude.0.reason: invalid regular expression`);
  });

  it('refuses a renew deadline that is not shorter than the lease', () => {
    const f = file(
      ['eventer:', '  leaderElection:', '    leaseDurationSeconds: 10', '    renewDeadlineSeconds: 10'].join('\n'),
    );
    expect(() => loadConfig(f, { env: {} })).toThrow(
      /eventer\.leaderElection\.renewDeadlineSeconds: renewDeadlineSeconds must be shorter/,
    );
  });

  it('keeps an all-digit override as text where the setting is text', () => {
    const config = loadConfig(undefined, {
      env: { K2__SIMULATOR__TOKEN: '1234567890123456', K2__SIMULATOR__PORT: '7443' },
    });
    expect(config.simulator.token).toBe('1234567890123456');
    expect(config.simulator.port).toBe(7443);
  });
});

describe('loadConfig: defaults and files', () => {
  it('without a file gives the documented defaults', () => {
    expect(core(loadConfig(undefined, { env: {} }))).toEqual(DEFAULTS);
  });

  it('an empty file, or one with only comments, gives the defaults', () => {
    expect(loadConfig(file(''), { env: {} })).toEqual(loadConfig(undefined, { env: {} }));
    expect(loadConfig(file('# nothing to configure yet\n'), { env: {} })).toEqual(loadConfig(undefined, { env: {} }));
  });

  it('takes what the file sets and defaults the rest of each section', () => {
    const config = loadConfig(
      file(
        [
          'cluster: prod-east',
          'simulator:',
          '  port: 7443',
          '  speed: 2.5',
          '  loop: false',
          '  scenarios: [a.jsonl, b.jsonl]',
          '  users:',
          '    - name: viewer',
          '      token: viewer-token-0123456789',
          '      rules:',
          '        - verbs: [get, list, watch]',
          '          resources: [pods, events]',
          '          namespaces: [shop]',
          'log:',
          '  level: debug',
        ].join('\n'),
      ),
      { env: {} },
    );
    expect(config.cluster).toBe('prod-east');
    expect(config.simulator).toEqual({
      ...DEFAULTS.simulator,
      port: 7443,
      speed: 2.5,
      loop: false,
      scenarios: ['a.jsonl', 'b.jsonl'],
      users: [
        {
          name: 'viewer',
          token: 'viewer-token-0123456789',
          rules: [{ verbs: ['get', 'list', 'watch'], resources: ['pods', 'events'], namespaces: ['shop'] }],
        },
      ],
    });
    expect(config.log.level).toBe('debug');
    expect(config.kubernetes).toEqual({ mode: 'simulator' });
  });

  it('accepts a real cluster through a kubeconfig and context', () => {
    const config = loadConfig(
      file('kubernetes:\n  mode: kubeconfig\n  kubeconfig: /etc/k2/kubeconfig\n  context: prod\n'),
      { env: {} },
    );
    expect(config.kubernetes).toEqual({ mode: 'kubeconfig', kubeconfig: '/etc/k2/kubeconfig', context: 'prod' });
  });
});

describe('loadConfig: environment overrides', () => {
  it('K2__SECTION__KEY overrides the file, with numbers and booleans typed', () => {
    const path = file('simulator:\n  port: 7443\n  loop: true\n  speed: 10\n');
    const config = loadConfig(path, {
      env: { K2__SIMULATOR__PORT: '9443', K2__SIMULATOR__LOOP: 'false', K2__SIMULATOR__SPEED: '0.5' },
    });
    expect(config.simulator.port).toBe(9443);
    expect(config.simulator.loop).toBe(false);
    expect(config.simulator.speed).toBe(0.5);
  });

  it('maps snake case to the camelCase keys, at any depth', () => {
    const config = loadConfig(undefined, {
      env: {
        K2__SIMULATOR__KUBECONFIG_PATH: '/tmp/k2/kubeconfig',
        K2__SIMULATOR__BOOKMARK_INTERVAL_SECONDS: '5',
        K2__SIMULATOR__HISTORY_LIMIT: '50',
        K2__KUBERNETES__MODE: 'in-cluster',
        K2__LOG__LEVEL: 'warn',
        K2__CLUSTER: 'staging-2',
      },
    });
    expect(config.simulator.kubeconfigPath).toBe('/tmp/k2/kubeconfig');
    expect(config.simulator.bookmarkIntervalSeconds).toBe(5);
    expect(config.simulator.historyLimit).toBe(50);
    expect(config.kubernetes.mode).toBe('in-cluster');
    expect(config.log.level).toBe('warn');
    expect(config.cluster).toBe('staging-2');
  });

  it('reads a YAML flow sequence for list settings', () => {
    const config = loadConfig(undefined, { env: { K2__SIMULATOR__SCENARIOS: '[one.jsonl, two.jsonl]' } });
    expect(config.simulator.scenarios).toEqual(['one.jsonl', 'two.jsonl']);
  });

  it('ignores variables without the K2__ prefix', () => {
    const config = loadConfig(undefined, { env: { K2_SIMULATOR_PORT: '1', SIMULATOR__PORT: '2', PATH: '/usr/bin' } });
    expect(config).toEqual(loadConfig(undefined, { env: {} }));
    expect(core(config)).toEqual(DEFAULTS);
  });

  it('reads process.env when no env is given', () => {
    vi.stubEnv('K2__SIMULATOR__PORT', '8443');
    expect(loadConfig(undefined).simulator.port).toBe(8443);
  });
});

describe('loadConfig: every problem is located', () => {
  it('a YAML syntax error names file:line:col and says it is YAML', () => {
    const path = file('simulator:\n  port: 7443\n speed: 3\n');
    const found = problems(path);
    expect(found).toHaveLength(1);
    expect(found[0]!.where).toBe(`${path}:3:1`);
    expect(found[0]!.message).toMatch(/^YAML: /);
  });

  it('an unclosed flow sequence is a YAML error in that file', () => {
    const path = file('cluster: demo\nsimulator:\n  scenarios: [a.jsonl, b.jsonl\n');
    const found = problems(path);
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) {
      expect(p.where).toMatch(new RegExp(`^${escape(path)}:\\d+:\\d+$`));
      expect(p.message).toMatch(/^YAML: /);
    }
  });

  it('wrong types: one problem per value, at the value, with its dotted path', () => {
    const path = file(
      [
        'cluster: Prod_East', // 1
        'simulator:', // 2
        '  port: "https"', // 3
        '  speed: -1', // 4
        '  loop: maybe', // 5
        'log:', // 6
        '  level: loud', // 7
      ].join('\n'),
    );
    const found = problems(path);
    const byPath = Object.fromEntries(found.map((p) => [p.path, p]));
    expect(Object.keys(byPath).sort()).toEqual([
      'cluster',
      'log.level',
      'simulator.loop',
      'simulator.port',
      'simulator.speed',
    ]);
    expect(byPath.cluster).toMatchObject({ where: `${path}:1:10`, message: expect.stringMatching(/lower-case/) });
    expect(byPath['simulator.port']).toMatchObject({
      where: `${path}:3:9`,
      message: expect.stringMatching(/expected number/),
    });
    expect(byPath['simulator.speed']).toMatchObject({ where: `${path}:4:10` });
    expect(byPath['simulator.loop']).toMatchObject({
      where: `${path}:5:9`,
      message: expect.stringMatching(/expected boolean/),
    });
    expect(byPath['log.level']).toMatchObject({ where: `${path}:7:10`, message: expect.stringMatching(/info/) });
  });

  it('a problem inside a list names the item index and its line', () => {
    const path = file(
      [
        'simulator:', // 1
        '  users:', // 2
        '    - name: viewer', // 3
        '      token: short', // 4
        '      rules:', // 5
        '        - verbs: [get]', // 6
        '          resources: []', // 7
      ].join('\n'),
    );
    const found = problems(path);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          where: `${path}:4:14`,
          path: 'simulator.users.0.token',
          message: expect.stringMatching(/16/),
        }),
        expect.objectContaining({ where: `${path}:7:22`, path: 'simulator.users.0.rules.0.resources' }),
      ]),
    );
    expect(found).toHaveLength(2);
  });

  it('a section that is not a mapping is reported where it is', () => {
    const path = file('simulator:\nlog: debug\n');
    const found = problems(path);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ where: `${path}:1:11`, path: 'simulator' }),
        expect.objectContaining({ where: `${path}:2:6`, path: 'log' }),
      ]),
    );
  });

  it('unknown keys are reported one per key, at the key, as probably misspelt', () => {
    const path = file(
      [
        'cluster: demo', // 1
        'simulator:', // 2
        '  prot: 7443', // 3
        '  speed: 5', // 4
        '  kubeconfig_path: x', // 5
        'logging:', // 6
        '  level: info', // 7
      ].join('\n'),
    );
    const found = problems(path);
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        { where: `${path}:3:3`, path: 'simulator.prot', message: expect.stringMatching(/unknown key/) },
        { where: `${path}:5:3`, path: 'simulator.kubeconfig_path', message: expect.stringMatching(/unknown key/) },
        { where: `${path}:6:1`, path: 'logging', message: expect.stringMatching(/unknown key/) },
      ]),
    );
  });

  it('an unreadable file is reported with its name and the reason', () => {
    const missing = join(dir, 'does-not-exist.yaml');
    expect(problems(missing)).toEqual([
      { where: missing, path: '', message: expect.stringMatching(/cannot read: .*ENOENT/) },
    ]);
    const folder = join(dir, 'a-folder.yaml');
    mkdirSync(folder);
    expect(problems(folder)).toEqual([
      { where: folder, path: '', message: expect.stringMatching(/cannot read: .*EISDIR/) },
    ]);
  });

  it('YAML that is not a mapping is rejected, located', () => {
    const list = file('# servers\n- one\n- two\n');
    expect(problems(list)).toEqual([{ where: `${list}:2:1`, path: '', message: 'the config must be a YAML mapping' }]);
    const scalar = file('just some words\n');
    expect(problems(scalar)).toEqual([
      { where: `${scalar}:1:1`, path: '', message: 'the config must be a YAML mapping' },
    ]);
  });

  it('a bad environment value is blamed on the variable, not the file', () => {
    const path = file('simulator:\n  port: 7443\n');
    expect(problems(path, { K2__SIMULATOR__PORT: 'notaport' })).toEqual([
      { where: 'env K2__SIMULATOR__PORT', path: 'simulator.port', message: expect.stringMatching(/expected number/) },
    ]);
    expect(problems(undefined, { K2__SIMULATOR__PORT: '70000' })).toEqual([
      { where: 'env K2__SIMULATOR__PORT', path: 'simulator.port', message: expect.stringMatching(/65535/) },
    ]);
  });

  it('a misspelt environment variable is an unknown key, blamed on the variable', () => {
    const path = file('log:\n  level: info\n');
    const found = problems(path, { K2__SIMULATOR__PORT: '1', K2__SIMULATOR__PROT: '2', K2__SIMULATR__PORT: '3' });
    expect(found).toHaveLength(2);
    expect(found).toEqual(
      expect.arrayContaining([
        { where: 'env K2__SIMULATOR__PROT', path: 'simulator.prot', message: expect.stringMatching(/unknown key/) },
        { where: 'env K2__SIMULATR__PORT', path: 'simulatr', message: expect.stringMatching(/unknown key/) },
      ]),
    );
  });

  it('file and environment problems are reported together, and the error message lists them all', () => {
    const path = file('simulator:\n  speed: fast\n');
    let error: ConfigError | undefined;
    try {
      loadConfig(path, { env: { K2__LOG__LEVEL: 'chatty' } });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = error!.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${escape(path)}:2:10: simulator\\.speed: `)),
        expect.stringMatching(/^env K2__LOG__LEVEL: log\.level: /),
      ]),
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
