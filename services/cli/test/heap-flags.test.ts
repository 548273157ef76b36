import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * A fresh node process that sets `command`'s heap flags first, as bin/k2.js does, then keeps
 * allocating objects of which a part survive for a while (as a scrape's do): the young
 * generation's size (MB) once it is done.
 */
async function youngGenerationAfterWork(command: string): Promise<number> {
  const script = `
    const { setHeapFlags } = await import(${JSON.stringify(`${ROOT}/services/cli/dist/heap-flags.js`)});
    const { getHeapSpaceStatistics } = await import('node:v8');
    setHeapFlags(${JSON.stringify(command)});
    let kept = [];
    for (let i = 0; i < 3_000_000; i++) {
      kept.push({ i, text: 'x' + i });
      if (kept.length > 100_000) kept = [];
    }
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(young.space_size / 2 ** 20);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return Number(stdout.trim());
}

describe('heap flags per command', () => {
  it("keep the exporter's young generation at its starting size, where another command's grows", async () => {
    const [exporter, up] = await Promise.all([youngGenerationAfterWork('exporter'), youngGenerationAfterWork('up')]);
    expect(exporter).toBeLessThanOrEqual(2);
    expect(up).toBeGreaterThanOrEqual(8);
  });
});
