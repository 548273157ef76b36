import { Command } from 'commander';
import { ConfigError } from '@k2/config';
import { checkConfigCommand } from './commands/check-config.js';
import { convergerCommand } from './commands/converger.js';
import { dispatcherCommand } from './commands/dispatcher.js';
import { eventCenterCommand } from './commands/event-center.js';
import { eventerCommand } from './commands/eventer.js';
import { exporterCommand } from './commands/exporter.js';
import { oomWatcherCommand } from './commands/oom-watcher.js';
import { replayCommand } from './commands/replay.js';
import { StartError } from './component.js';
import { simCommand } from './commands/sim.js';
import { upCommand } from './commands/up.js';

export function buildProgram(): Command {
  const program = new Command('k2')
    .description('K2: Kubernetes events and OOM kills, converged into incidents, searchable, exported and dispatched')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  upCommand(program);
  simCommand(program);
  checkConfigCommand(program);
  eventerCommand(program);
  oomWatcherCommand(program);
  convergerCommand(program);
  dispatcherCommand(program);
  eventCenterCommand(program);
  exporterCommand(program);
  replayCommand(program);
  return program;
}

/** Runs the CLI; expected failures print one clear message instead of a stack trace. */
export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const expected =
      err instanceof ConfigError || err instanceof StartError || (err instanceof Error && err.name === 'ScenarioError');
    process.stderr.write(`k2: ${expected ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  }
}
