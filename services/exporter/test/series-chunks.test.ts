import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_VALUE_BYTES, SeriesChunks } from '../src/series-chunks.js';

/** The text format's value: what Prometheus' own writers print. */
const asText = (v: number) =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);

/** Writes each [label text, value] as a line, as the exporter does; the chunks handed on, copied (the writer reuses its buffer). */
function write(lines: [string, number][]): string {
  const out = new SeriesChunks();
  const sent: Buffer[] = [];
  for (const [labels, value] of lines) {
    const bytes = Buffer.from(`m${labels} `);
    const full = out.room(bytes.length + MAX_VALUE_BYTES + 1);
    if (full) sent.push(Buffer.from(full));
    out.bytes(bytes);
    out.value(value);
    out.byte(0x0a);
  }
  const rest = out.rest();
  if (rest) sent.push(Buffer.from(rest));
  return Buffer.concat(sent).toString('utf8');
}

describe('SeriesChunks', () => {
  it('writes every line whole, in order, with each value as the text format prints it', () => {
    const value = fc.oneof(
      fc.nat(),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.double(),
      fc.constantFrom(0, -0, 2 ** 53, 1e21, -1, NaN, Infinity, -Infinity),
    );
    // Label texts up to beyond a chunk's 64 KiB, in any script.
    const labels = fc.oneof(
      { weight: 20, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
      { weight: 1, arbitrary: fc.nat(9).map((k) => 'é'.repeat(35_000 + k)) },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(labels, value), { maxLength: 400 }), (lines) => {
        expect(write(lines)).toBe(lines.map(([l, v]) => `m${l} ${asText(v)}\n`).join(''));
      }),
      { numRuns: 200 },
    );
  });

  it('hands on chunks of at most 64 KiB while lines fit in one', () => {
    const out = new SeriesChunks();
    const sizes: number[] = [];
    const line = Buffer.from(`m{pod="${'p'.repeat(300)}"} `);
    for (let i = 0; i < 10_000; i++) {
      const full = out.room(line.length + MAX_VALUE_BYTES + 1);
      if (full) sizes.push(full.length);
      out.bytes(line);
      out.value(i * 1_048_576);
      out.byte(0x0a);
    }
    expect(sizes.length).toBeGreaterThan(40);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
  });
});
