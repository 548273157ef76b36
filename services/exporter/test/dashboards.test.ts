import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { configSchema } from '@k2/config';
import { EVENTS_TOPIC, INCIDENTS_TOPIC } from '@k2/contracts';
import { startExporterService, type ExporterService } from '@k2/exporter';
import { KubeSimulator, ScenarioBuilder } from '@k2/kube-sim';
import { kubeConfigFor } from '../../../libs/kube-sim/test/helpers.js';
import { startServer, stopServer, type HttpServer } from '../../../test/support/servers.js';
import { MiB, quietLog } from './harness.js';
import { incident, k2Event } from './records.js';

const DASHBOARDS = resolve(import.meta.dirname, '../../../dashboards');
const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));

interface Target {
  expr: string;
}
interface Panel {
  title: string;
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Variable {
  type: string;
  name: string;
  query: string | { query: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Variable[] };
  panels: Panel[];
}

const dashboards = files.map((f) => ({
  file: f,
  d: JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as Dashboard,
}));

/** The values a user would pick: the scenario's cluster, namespace and workload. */
const VARIABLES: Record<string, string> = {
  cluster: 'test',
  namespace: 'shop',
  workload: 'cart',
  __rate_interval: '10s',
  __interval: '2s',
  __range: '1m',
};

function substitute(expr: string): string {
  return expr.replace(/\$(\w+)/g, (m, name: string) => VARIABLES[name] ?? m);
}

/** Grafana's label_values(selector, label) as the PromQL that returns the same label values. */
function variableQuery(q: string): string {
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q);
  if (!m) throw new Error(`unexpected variable query ${q}`);
  return `group by (${m[2]}) (${m[1]})`;
}

function parseErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: ${expr.slice(Math.max(0, node.from - 20), node.to + 20)}`);
    },
  });
  return errors;
}

const queries = dashboards.flatMap(({ file, d }) => [
  ...d.panels.flatMap((p) => p.targets.map((t) => ({ where: `${file} "${p.title}"`, expr: substitute(t.expr) }))),
  ...d.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => ({
      where: `${file} variable ${v.name}`,
      expr: substitute(variableQuery(typeof v.query === 'string' ? v.query : v.query.query)),
    })),
]);

describe('dashboards/*.json', () => {
  it.each(dashboards)(
    '$file is a current Grafana dashboard with datasource, cluster, namespace and workload variables',
    ({ d }) => {
      expect(d.uid).toMatch(/^k2-/);
      expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
      const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
      expect(vars.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
      for (const name of ['cluster', 'namespace', 'workload']) expect(vars[name]?.type, name).toBe('query');
      expect(d.panels.length).toBeGreaterThan(3);
      for (const p of d.panels) {
        expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets.length, p.title).toBeGreaterThan(0);
      }
    },
  );

  it('has only PromQL that parses', () => {
    const bad = queries.map((q) => ({ ...q, errors: parseErrors(q.expr) })).filter((q) => q.errors.length > 0);
    expect(bad).toEqual([]);
    // and the parser does catch a broken query
    expect(parseErrors('sum by (a (rate(x[5m])')).not.toEqual([]);
  });
});

describe('dashboards against a real Prometheus scraping the exporter fed by the simulator', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let prometheus: string;

  beforeAll(async () => {
    const b = new ScenarioBuilder('dashboards');
    b.node('node-1').node('node-2');
    const cart = b.deployment('shop', 'cart', 2, ['node-1', 'node-2'], 'registry.local/cart:1', '1Gi');
    const scenario = b.build();
    scenario.memory = cart.map((p, i) => ({
      at: 0,
      source: `test#${i}`,
      memory: {
        namespace: 'shop',
        pod: p.name,
        container: p.container,
        usage: (900 + i) * MiB,
        cache: 400 * MiB,
        shmem: 10 * MiB,
      },
    }));
    const sim = new KubeSimulator({ virtualTime: true, scenarios: [scenario] });
    await sim.start();
    sim.advance(1_000);
    cleanups.push(() => sim.stop());
    const bus = new InProcessBus();
    cleanups.push(() => bus.close());
    const config = configSchema.parse({ exporter: { http: { port: 0 } } }).exporter;
    const exporter: ExporterService = await startExporterService({
      config,
      cluster: 'test',
      bus,
      kc: kubeConfigFor(sim),
      log: quietLog,
      partitions: 1,
    });
    cleanups.push(() => exporter.stop());

    const events = [
      k2Event({ reason: 'BackOff', n: 1 }),
      k2Event({ reason: 'Unhealthy', n: 1 }),
      k2Event({ reason: 'Pulled', n: 1, type: 'Normal' }),
      k2Event({ reason: 'OOMKilled', n: 1, oomContainer: 'cart', pod: cart[0]!.name }),
    ];
    await bus.publish(
      EVENTS_TOPIC,
      events.map((e) => ({ key: e.fingerprint, value: e })),
    );
    const open = incident({ workload: 'cart', problemClass: 'oom_kill', seq: 1, severity: 'critical' });
    await bus.publish(INCIDENTS_TOPIC, [{ key: open.id, value: open }]);

    const dir = mkdtempSync(join(tmpdir(), 'k2-prom-'));
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(
      configFile,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: k2-exporter',
        '    static_configs:',
        `      - targets: ['${new URL(exporter.url).host}']`,
        '',
      ].join('\n'),
    );
    const server = (await startServer('prometheus', 'exporter-dashboards', {
      env: { K2_PROMETHEUS_CONFIG: configFile },
    })) as unknown as HttpServer;
    cleanups.push(() => stopServer('prometheus', 'exporter-dashboards'));
    prometheus = server.url;
  });

  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function query(expr: string): Promise<unknown[]> {
    const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data!.result;
  }

  it('returns data for every panel query and every variable', { timeout: 60_000 }, async () => {
    const pending = new Set(queries);
    const deadline = Date.now() + 45_000;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const q of [...pending]) if ((await query(q.expr)).length > 0) pending.delete(q);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect([...pending].map((q) => `${q.where}: ${q.expr}`)).toEqual([]);
    expect(queries.length).toBeGreaterThan(20);
  });
});
