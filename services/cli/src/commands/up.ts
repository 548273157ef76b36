import type { Command } from 'commander';
import { loadCliConfig } from '../options.js';

export function upCommand(program: Command): void {
  program
    .command('up')
    .description(
      'start K2: the Kubernetes simulator playing the demo (unless a real cluster is configured) and every service',
    )
    .option('-c, --config <file>', 'K2 config file (YAML); environment K2__SECTION__KEY overrides it')
    .action(async (opts: { config?: string }) => {
      const config = loadCliConfig(opts.config);
      const [{ COMPONENTS }, { launch }] = await Promise.all([import('../components.js'), import('../launch.js')]);
      await launch(
        COMPONENTS.filter((c) => c.enabled(config)),
        config,
        `K2 is up (cluster "${config.cluster}"):`,
      );
    });
}
