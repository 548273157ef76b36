import type { Logger } from '@k2/log';
import type { Running } from './component.js';

/** Keeps the process up until SIGINT/SIGTERM, then stops everything in reverse order. */
export function runUntilSignalled(running: Running[], log: Logger): Promise<void> {
  return new Promise((done) => {
    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'stopping');
      for (const r of [...running].reverse()) {
        try {
          await r.stop();
          log.info({ component: r.name }, 'stopped');
        } catch (err) {
          log.error({ component: r.name, err: String(err) }, 'stop failed');
        }
      }
      done();
    };
    process.once('SIGINT', (s) => void stop(s));
    process.once('SIGTERM', (s) => void stop(s));
  });
}

export function printRunning(running: Running[], out: NodeJS.WritableStream = process.stdout): void {
  const width = Math.max(...running.map((r) => r.name.length));
  for (const r of running) {
    out.write(
      `  ${r.name.padEnd(width)}  ${Object.entries(r.endpoints)
        .map(([k, v]) => `${k}: ${v}`)
        .join('   ')}\n`,
    );
    for (const note of r.notes) out.write(`  ${''.padEnd(width)}    ${note}\n`);
  }
}
