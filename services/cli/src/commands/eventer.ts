import type { Command } from 'commander';
import { loadCliConfig } from '../options.js';
import { loadComponent } from '../lazy.js';

export function eventerCommand(program: Command): void {
  program
    .command('eventer')
    .description(
      "run the eventer alone: watch the cluster's events and publish one K2Event per occurrence to k2.events (use bus.kind=kafka so other processes receive them)",
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its eventer, bus and kubernetes sections apply')
    .action(async (opts: { config?: string }) => {
      const { launch, eventerComponent } = await loadComponent('eventer', 'eventerComponent');
      await launch([eventerComponent], loadCliConfig(opts.config));
    });
}
