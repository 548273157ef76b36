import type { Command } from 'commander';
import { createLogger } from '@k2/log';
import { COMPONENTS } from '../components.js';
import type { Running } from '../component.js';
import { loadCliConfig } from '../options.js';
import { printRunning, runUntilSignalled } from '../run.js';

export function upCommand(program: Command): void {
  program
    .command('up')
    .description('start K2: the Kubernetes simulator playing the demo (unless a real cluster is configured) and every service')
    .option('-c, --config <file>', 'K2 config file (YAML); environment K2__SECTION__KEY overrides it')
    .action(async (opts: { config?: string }) => {
      const config = loadCliConfig(opts.config);
      const log = createLogger({ name: 'k2', level: config.log.level });
      const running: Running[] = [];
      try {
        for (const component of COMPONENTS.filter((c) => c.enabled(config))) {
          running.push(await component.start(config, log));
        }
      } catch (err) {
        for (const r of running.reverse()) await r.stop();
        throw err;
      }
      process.stdout.write(`K2 is up (cluster "${config.cluster}"):\n`);
      printRunning(running);
      process.stdout.write('Press Ctrl-C to stop.\n');
      await runUntilSignalled(running, log);
    });
}
