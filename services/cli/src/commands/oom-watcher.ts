import type { Command } from 'commander';
import { launch } from '../launch.js';
import { loadCliConfig } from '../options.js';
import { oomWatcherComponent } from '../oom-watcher.js';

export function oomWatcherCommand(program: Command): void {
  program
    .command('oom-watcher')
    .description(
      'run the OOM watcher alone: one OOMKilled K2Event per container OOM kill, from pod status (cluster mode) or kernel messages (node mode)',
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its oomWatcher, bus and kubernetes sections apply')
    .action(async (opts: { config?: string }) => {
      await launch([oomWatcherComponent], loadCliConfig(opts.config));
    });
}
