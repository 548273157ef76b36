import type { Command } from 'commander';
import { loadCliConfig } from '../options.js';
import { loadComponent } from '../lazy.js';

export function oomWatcherCommand(program: Command): void {
  program
    .command('oom-watcher')
    .description(
      'run the OOM watcher alone: one OOMKilled K2Event per container OOM kill, from pod status (cluster mode) or kernel messages (node mode)',
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its oomWatcher, bus and kubernetes sections apply')
    .action(async (opts: { config?: string }) => {
      const { launch, oomWatcherComponent } = await loadComponent('oom-watcher', 'oomWatcherComponent');
      await launch([oomWatcherComponent], loadCliConfig(opts.config));
    });
}
