import type { Command } from 'commander';
import { loadCliConfig } from '../options.js';
import { loadComponent } from '../lazy.js';

export function eventCenterCommand(program: Command): void {
  program
    .command('event-center')
    .description(
      'run the event center alone: k2.events and k2.incidents into SQLite or Elasticsearch, the search API and the web UI',
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its eventCenter and bus sections apply')
    .action(async (opts: { config?: string }) => {
      const { launch, eventCenterComponent } = await loadComponent('event-center', 'eventCenterComponent');
      await launch([eventCenterComponent], loadCliConfig(opts.config));
    });
}
