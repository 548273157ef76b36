import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@k2/config';
import { DEFAULT_ROUTING_FILE, loadRoutingFile, parseRoutingYaml } from '../src/index.js';

function problems(yaml: string): string[] {
  try {
    parseRoutingYaml(yaml, 'routes.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.where}: ${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('the routing file', () => {
  it('the shipped default loads', () => {
    const cfg = loadRoutingFile(DEFAULT_ROUTING_FILE);
    expect(cfg.receivers.map((r) => r.name)).toEqual(['notifications-file']);
    expect(readFileSync(DEFAULT_ROUTING_FILE, 'utf8')).toContain('group_wait: 0s');
  });

  it('names file, line, column and path for every problem', () => {
    const yaml = [
      'route:', //                                                   1
      '  receiver: ops', //                                          2
      '  group_wait: soon', //                                       3
      '  routes:', //                                                4
      '    - matchers: [\'namespace=~"(shop"\']', //                 5
      '      receiver: nobody', //                                   6
      '      mute_time_intervals: [weekend]', //                     7
      'receivers:', //                                               8
      '  - name: ops', //                                            9
      '    webhook: { url: "http://127.0.0.1:1/x" }', //             10
      '    templat: "{{ status }}"', //                              11
      '  - name: chat', //                                           12
      '    slack: { url: "https://hooks.slack.com/services/T/B/X" }', // 13
      '  - name: robot', //                                          14
      '    dingtalk: { url: { env: DT_URL } }', //                   15
      '    template: "{{#each alerts}}{{ labels.x }}"', //           16
    ].join('\n');
    expect(problems(yaml)).toEqual([
      'routes.yaml:3:15: route.group_wait: not a duration: "soon" (e.g. 0s, 30s, 5m, 4h, 1h30m)',
      expect.stringMatching(/^routes\.yaml:5:18: route\.routes\.0\.matchers\.0: invalid regular expression in .*/),
      'routes.yaml:11:5: receivers.0.templat: unknown key (misspelt?)',
      'routes.yaml:13:19: receivers.1.slack.url: a secret is { file: path } or { env: NAME }, never the value itself',
      'routes.yaml:16:15: receivers.2.template: template: {{#each alerts}} is not closed with {{/each}}',
    ]);
  });

  it('checks references between sections', () => {
    const out = problems(`
route:
  receiver: ops
  escalation: nope
  routes:
    - receiver: nobody
      active_time_intervals: [weekend]
receivers:
  - name: ops
    console: {}
  - name: ops
    file: { path: x.jsonl }
oncall:
  schedules:
    - { name: p, rotation: weekly, start: '2026-01-05', location: Mars/Base, participants: [{ name: a, receiver: ghost }] }
`);
    expect(out).toContain('routes.yaml:15:67: oncall.schedules.0.location: unknown IANA time zone "Mars/Base"');
    expect(out).toContain('routes.yaml:15:114: oncall.schedules.0.participants.0.receiver: unknown receiver "ghost"');
    const refs = problems(`
route:
  receiver: ops
  escalation: nope
  routes:
    - receiver: nobody
      active_time_intervals: [weekend]
receivers:
  - name: ops
    console: {}
  - name: ops
    file: { path: x.jsonl }
`);
    expect(refs).toEqual([
      'routes.yaml:11:11: receivers.1.name: duplicate receiver "ops"',
      'routes.yaml:4:15: route.escalation: unknown escalation "nope"',
      'routes.yaml:6:17: route.routes.0.receiver: unknown receiver "nobody"',
      'routes.yaml:7:31: route.routes.0.active_time_intervals.0: unknown time interval "weekend"',
    ]);
  });

  it('a receiver has exactly one integration', () => {
    expect(problems('route: { receiver: a }\nreceivers:\n  - name: a\n')).toEqual([
      'routes.yaml:3:5: receivers.0: a receiver has exactly one of file, console, webhook, slack, dingtalk, wecom, feishu, email (found none)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problems('route:\n  receiver: [a\n')[0]).toMatch(/^routes\.yaml:\d+:\d+: : YAML: /);
  });
});
