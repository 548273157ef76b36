import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';

/** This boot's id, which tells kernel sequence numbers of different boots apart. */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Wall-clock time of boot: kernel message timestamps count from it. */
export function bootTimeMs(now = Date.now()): number {
  return now - uptime() * 1_000;
}
