import type { Command } from 'commander';
import { ConfigError, loadConfig } from '@k2/config';

export function checkConfigCommand(program: Command): void {
  program
    .command('check-config')
    .description(
      'check a K2 config file (with K2__* environment overrides applied); prints every problem with file, line and path',
    )
    .argument('<file>', 'the YAML config file')
    .action((file: string) => {
      try {
        loadConfig(file);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const p of err.problems) process.stderr.write(`${p.where}: ${p.path || '(root)'}: ${p.message}\n`);
        process.stderr.write(`${file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${file}: ok\n`);
    });
}
