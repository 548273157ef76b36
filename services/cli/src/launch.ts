import type { K2Config } from '@k2/config';
import { createLogger } from '@k2/log';
import type { Component, Running } from './component.js';
import { printRunning, runUntilSignalled } from './run.js';
import { Runtime } from './runtime.js';

/**
 * Starts components in order in this process, prints what runs where, and on SIGINT/SIGTERM
 * stops them in reverse order and closes the shared bus. A component that fails to start stops
 * the ones already started.
 */
export async function launch(components: Component[], config: K2Config, heading?: string): Promise<void> {
  const log = createLogger({ name: 'k2', level: config.log.level });
  const runtime = new Runtime(
    config,
    log,
    components.map((c) => c.name),
  );
  const running: Running[] = [];
  try {
    for (const component of components) running.push(await component.start(runtime));
  } catch (err) {
    for (const r of running.reverse()) await r.stop();
    await runtime.close();
    throw err;
  }
  if (heading) process.stdout.write(`${heading}\n`);
  printRunning(running);
  if (heading) process.stdout.write('Press Ctrl-C to stop.\n');
  await runUntilSignalled([{ name: 'bus', endpoints: {}, notes: [], stop: () => runtime.close() }, ...running], log);
}
