import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LineFollower } from '../src/kernel/follow.js';
import { eventually } from '../../../libs/kube-sim/test/helpers.js';
import { quietLog, tempDir } from './harness.js';

const followers: LineFollower[] = [];
afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()));
});

function follow(path: string, maxLineBytes?: number) {
  const lines: string[] = [];
  let oversized = 0;
  const f = new LineFollower(
    { path, pollMs: 20, ...(maxLineBytes ? { maxLineBytes } : {}) },
    { onLine: (l) => lines.push(l), onOversized: () => oversized++ },
    quietLog,
  );
  followers.push(f);
  f.start();
  return { lines, oversized: () => oversized, follower: f };
}

describe('LineFollower', () => {
  it('reads a file and follows it as it grows, a line split across writes included', async () => {
    const path = join(tempDir(), 'kmsg');
    writeFileSync(path, 'one\ntwo\n');
    const { lines } = follow(path);
    await eventually(() => (lines.length === 2 ? true : undefined));
    appendFileSync(path, 'thr');
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(path, 'ee\r\nfour\n');
    await eventually(() => (lines.length === 4 ? true : undefined));
    expect(lines).toEqual(['one', 'two', 'three', 'four']);
  });

  it('skips a megabyte line and counts it, and decodes invalid UTF-8 as U+FFFD', async () => {
    const path = join(tempDir(), 'kmsg');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('a'.repeat(1_000_000) + '\nok\n'), Buffer.from([0x66, 0xff, 0xfe, 0x67, 0x0a])]),
    );
    const { lines, oversized } = follow(path);
    await eventually(() => (lines.length === 2 ? true : undefined));
    expect(lines).toEqual(['ok', 'f\uFFFD\uFFFDg']);
    expect(oversized()).toBe(1);
  });

  it('starts over when the file is truncated or replaced', async () => {
    const dir = tempDir();
    const path = join(dir, 'kmsg');
    writeFileSync(path, 'first\nsecond\n');
    const { lines } = follow(path);
    await eventually(() => (lines.length === 2 ? true : undefined));
    truncateSync(path, 0);
    // As with tail -f, a truncation is noticed at the next poll, before the file outgrows the old end.
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(path, 'after truncation\n');
    await eventually(() => (lines.includes('after truncation') ? true : undefined));
    writeFileSync(join(dir, 'new'), 'replacement\n');
    renameSync(join(dir, 'new'), path);
    await eventually(() => (lines.includes('replacement') ? true : undefined));
  });

  it('waits for a file that does not exist yet', async () => {
    const path = join(tempDir(), 'later');
    const { lines, follower } = follow(path);
    expect(follower.open).toBe(false);
    writeFileSync(path, 'hello\n');
    await eventually(() => (lines.length === 1 ? true : undefined), 5_000);
    expect(follower.open).toBe(true);
  });
});
