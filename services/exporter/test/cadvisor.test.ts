import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CadvisorParser, cadvisorReading, LabelSetCache, parseCadvisor } from '@k2/exporter';

// Shaped like a kubelet's /metrics/cadvisor: pod-level cgroups (container=""), other families.
const TEXT = `# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="app",cpu="total",id="/kubepods/burstable/pod1/abc",image="r/app:1",name="abc",namespace="shop",pod="cart-1"} 12.5 1764111111000
# HELP container_memory_cache Number of bytes of page cache memory.
# TYPE container_memory_cache gauge
container_memory_cache{container="",id="/kubepods/burstable/pod1",image="",name="",namespace="shop",pod="cart-1"} 9.437184e+08 1764111111000
container_memory_cache{container="app",id="/kubepods/burstable/pod1/abc",image="r/app:1",name="abc",namespace="shop",pod="cart-1"} 9.437184e+08 1764111111000
container_memory_cache{container="POD",id="/kubepods/burstable/pod1/pause",image="pause:3.9",name="pause",namespace="shop",pod="cart-1"} 0 1764111111000
# HELP container_memory_usage_bytes Current memory usage in bytes, including all memory regardless of when it was accessed
# TYPE container_memory_usage_bytes gauge
container_memory_usage_bytes{container="",id="/kubepods/burstable/pod1",image="",name="",namespace="shop",pod="cart-1"} 1.6e+09 1764111111000
container_memory_usage_bytes{container="app",id="/kubepods/burstable/pod1/abc",image="r/app:1",name="abc",namespace="shop",pod="cart-1"} 1.572864e+09 1764111111000
container_memory_usage_bytes{container="side \\"car\\"",id="/kubepods/burstable/pod1/def",image="r/side:1",name="def",namespace="shop",pod="cart-1"} 1.048576e+07 1764111111000
# HELP container_memory_working_set_bytes Current working set in bytes.
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="app",id="/kubepods/burstable/pod1/abc",image="r/app:1",name="abc",namespace="shop",pod="cart-1"} 1.1534336e+09 1764111111000
# HELP container_spec_memory_limit_bytes Memory limit for the container.
# TYPE container_spec_memory_limit_bytes gauge
container_spec_memory_limit_bytes{container="side \\"car\\"",id="/kubepods/burstable/pod1/def",image="r/side:1",name="def",namespace="shop",pod="cart-1"} 0 1764111111000
container_spec_memory_limit_bytes{container="app",id="/kubepods/burstable/pod1/abc",image="r/app:1",name="abc",namespace="shop",pod="cart-1"} 2.147483648e+09 1764111111000
`;

describe('parseCadvisor', () => {
  it('reads each container once, skipping pod-level and sandbox series and other families', () => {
    const byName = new Map(parseCadvisor(TEXT).map((c) => [c.container, c]));
    expect([...byName.keys()].sort()).toEqual(['app', 'side "car"']);
    expect(byName.get('app')).toEqual({
      namespace: 'shop',
      pod: 'cart-1',
      container: 'app',
      usage: 1_572_864_000,
      cache: 943_718_400,
      rss: 0,
      shmem: 0,
      workingSet: 1_153_433_600,
      limit: 2_147_483_648,
    });
    // cAdvisor's 0 limit means unlimited
    expect(byName.get('side "car"')!.limit).toBeUndefined();
  });

  it('reads values afresh on every read of a kubelet, keeping only the label sets still there', () => {
    const cache = new LabelSetCache();
    expect(parseCadvisor(TEXT, cache)).toHaveLength(2);
    const next = TEXT.replace('} 1.572864e+09', '} 1.6e+09')
      .split('\n')
      .filter((l) => !l.includes('side'))
      .join('\n');
    const containers = parseCadvisor(next, cache);
    expect(containers.map((c) => [c.container, c.usage])).toEqual([['app', 1_600_000_000]]);
  });

  it('reads each kubelet text alike whatever the texts before it, keeping a container its identity', () => {
    const line = (family: string, c: number, value: number) =>
      `${family}{container="c${c}",id="/kubepods/pod${c}/x",namespace="shop",pod="p${c}"} ${value} 1764111111000`;
    const text = (containers: number[], round: number) =>
      ['container_memory_usage_bytes', 'container_memory_cache']
        .flatMap((family, f) => containers.map((c) => line(family, c, c * 1000 + round * 10 + f)))
        .join('\n') + '\n';
    const reads = fc.array(fc.uniqueArray(fc.nat(12), { maxLength: 10 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(reads, (containers) => {
        const cache = new LabelSetCache();
        const identities = new Map<string, unknown>();
        containers.forEach((read, round) => {
          const parser = new CadvisorParser(cache);
          parser.push(Buffer.from(text(read, round)));
          const got = parser.end();
          expect(got.map((c) => [c.identity.container, c.usage, c.cache])).toEqual(
            read.map((c) => [`c${c}`, c * 1000 + round * 10, c * 1000 + round * 10 + 1]),
          );
          for (const c of got) {
            // A container still there keeps the identity (and the label text kept on it) it had.
            if (identities.has(c.identity.container)) expect(c.identity).toBe(identities.get(c.identity.container));
          }
          identities.clear();
          for (const c of got) identities.set(c.identity.container, c.identity);
        });
      }),
    );
  });

  it('finds the label set by its last brace, whatever braces and quotes a label value holds', () => {
    const text = 'container_memory_cache{container="a} \\"b{",namespace="shop",pod="p"} 42 1764111111000\n';
    expect(parseCadvisor(text)).toMatchObject([{ container: 'a} "b{', cache: 42 }]);
  });

  it('rejects text that is not the Prometheus format', () => {
    expect(() => parseCadvisor('container_memory_cache{container="a" 12\n')).toThrow();
  });

  it('reads the same containers and values whichever bytes the response is cut at', () => {
    const whole = parseCadvisor(TEXT);
    const bytes = Buffer.from(TEXT);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
        const parser = new CadvisorParser();
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          parser.push(bytes.subarray(from, cut));
          from = cut;
        }
        parser.push(bytes.subarray(from));
        const read = parser.end().map(cadvisorReading);
        expect(read).toEqual(whole);
      }),
    );
  });

  it('reads every value as Number() reads its text', () => {
    const forms = fc.oneof(
      fc.double({ noNaN: true }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => d.toExponential()),
      fc.integer({ min: 0, max: 2 ** 53 }).map(String),
      fc.tuple(fc.nat(2 ** 40), fc.integer({ min: 0, max: 12 })).map(([m, d]) => (m / 10 ** d).toFixed(d)),
      fc
        .tuple(fc.nat(99_999_999), fc.integer({ min: -30, max: 30 }))
        .map(([m, e]) => `${m / 1e7}e${e >= 0 ? '+' : ''}${e}`),
      fc.constantFrom('0', '-0', '1e3', '1E-3', '+5', '007', '1.', '.5', '+Inf', '-Inf', 'NaN'),
    );
    fc.assert(
      fc.property(forms, (text) => {
        const [c] = parseCadvisor(`container_memory_rss{container="a",namespace="n",pod="p"} ${text} 1764111111000\n`);
        const expected = Number(text);
        // Not a finite number: the sample is not read (the field keeps 0).
        expect(c!.rss).toBe(Number.isFinite(expected) ? expected : 0);
      }),
      { numRuns: 2000 },
    );
  });
});
