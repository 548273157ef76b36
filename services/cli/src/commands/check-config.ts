import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '@k2/config';

export function checkConfigCommand(program: Command): void {
  program
    .command('check-config')
    .description(
      'check a K2 config file (with K2__* environment overrides applied) and the dispatcher routing file it names, or a routing file alone; prints every problem with file, line and path',
    )
    .argument('<file>', 'the YAML config file or dispatcher routing file')
    .action(async (file: string) => {
      // Loaded here: the dispatcher package is large and other commands do not need it.
      const { loadRoutingFile } = await import('@k2/dispatcher');
      try {
        // A dispatcher routing file (top-level `route:`) is checked as one; a K2 config also checks the routing file it names.
        if (isRoutingFile(file)) loadRoutingFile(file);
        else {
          const routingFile = loadConfig(file).dispatcher.routingFile;
          if (routingFile) loadRoutingFile(routingFile);
        }
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

function isRoutingFile(file: string): boolean {
  try {
    return /^route:/m.test(readFileSync(file, 'utf8'));
  } catch {
    return false; // loadConfig reports the unreadable file
  }
}
