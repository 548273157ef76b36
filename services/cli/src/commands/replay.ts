import type { Command } from 'commander';
import { createLogger } from '@k2/log';
import { loadCliConfig } from '../options.js';

export function replayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'run a scenario through the whole pipeline (simulator on a virtual clock, eventer, OOM watcher, converger) as fast as possible, writing events.jsonl, incidents.jsonl and notifications.jsonl',
    )
    .requiredOption('-s, --scenario <file>', 'scenario file (JSON Lines, see docs/simulator.md)')
    .requiredOption('-o, --out <dir>', 'directory for the three output files (created if missing)')
    .option('-p, --policy <file>', 'converger policy file (YAML); the built-in policy otherwise')
    .option('-c, --config <file>', 'K2 config file (YAML): cluster name, eventer filters, bus partitions')
    .action(async (opts: { scenario: string; out: string; policy?: string; config?: string }) => {
      const config = loadCliConfig(opts.config);
      const [{ loadScenario }, { replay }] = await Promise.all([import('@k2/kube-sim'), import('../replay.js')]);
      const scenario = loadScenario(opts.scenario);
      const log = createLogger({ name: 'k2-replay', level: 'warn' });
      let reported = -1;
      const result = await replay({
        scenario,
        config,
        out: opts.out,
        log,
        ...(opts.policy ? { policyFile: opts.policy } : {}),
        progress: (played, total) => {
          const pct = total > 0 ? Math.floor((played / total) * 10) * 10 : 100;
          if (pct !== reported) process.stderr.write(`replay: ${pct}% of ${Math.round(total / 1000)} s played\n`);
          reported = pct;
        },
      });
      process.stdout.write(
        `replayed ${opts.scenario} in ${result.seconds.toFixed(1)} s: ${result.events} events, ${result.incidents} incident records, ${result.notifications} notifications → ${opts.out}\n`,
      );
    });
}
