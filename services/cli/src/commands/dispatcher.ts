import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { loadCliConfig } from '../options.js';
import { loadComponent } from '../lazy.js';

export function dispatcherCommand(program: Command): void {
  const cmd = program
    .command('dispatcher')
    .description(
      'run the alert dispatcher alone: k2.incidents, Alertmanager webhooks and the alert API in; routed, grouped, silenced, escalated notifications out',
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its dispatcher and bus sections apply')
    .action(async (opts: { config?: string }) => {
      const { launch, dispatcherComponent } = await loadComponent('dispatcher', 'dispatcherComponent');
      await launch([dispatcherComponent], loadCliConfig(opts.config));
    });
  cmd
    .command('hash-token')
    .description('print the sha256 of an API token, for dispatcher.api.tokens[].sha256')
    .argument('<token>', 'the token callers will send as "Authorization: Bearer <token>"')
    .action((token: string) => {
      process.stdout.write(`${createHash('sha256').update(token).digest('hex')}\n`);
    });
}
