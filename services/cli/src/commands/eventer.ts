import type { Command } from 'commander';
import { eventerComponent } from '../eventer.js';
import { launch } from '../launch.js';
import { loadCliConfig } from '../options.js';

export function eventerCommand(program: Command): void {
  program
    .command('eventer')
    .description(
      "run the eventer alone: watch the cluster's events and publish one K2Event per occurrence to k2.events (use bus.kind=kafka so other processes receive them)",
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its eventer, bus and kubernetes sections apply')
    .action(async (opts: { config?: string }) => {
      await launch([eventerComponent], loadCliConfig(opts.config));
    });
}
