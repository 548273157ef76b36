import type { Command } from 'commander';
import { loadCliConfig } from '../options.js';
import { loadComponent } from '../lazy.js';

export function convergerCommand(program: Command): void {
  program
    .command('converger')
    .description(
      'run the converger alone: k2.events in (consumer group), one incident per real problem out to k2.incidents',
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its converger and bus sections apply')
    .action(async (opts: { config?: string }) => {
      const { launch, convergerComponent } = await loadComponent('converger', 'convergerComponent');
      await launch([convergerComponent], loadCliConfig(opts.config));
    });
}
