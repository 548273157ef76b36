import { InvalidArgumentError, type Command } from 'commander';
import { loadCliConfig } from '../options.js';
import { loadComponent } from '../lazy.js';

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0 picks a free one)');
  return n;
}

export function simCommand(program: Command): void {
  program
    .command('sim')
    .description(
      'run the Kubernetes API simulator alone, playing scenario files (the built-in demo when none are given)',
    )
    .option('-s, --scenario <file...>', 'scenario files (JSON Lines) to play together')
    .option('--speed <n>', 'play N times faster than real time', positive)
    .option('-p, --port <port>', 'HTTPS port on 127.0.0.1 (0 picks a free one)', portNumber)
    .option('--host <address>', 'address to listen on')
    .option('--token <token>', 'bearer token of the admin user (generated when absent)')
    .option('--loop', 'play the scenarios again after they end')
    .option('--no-loop', 'stop playing after the scenarios end')
    .option('--kubeconfig <file>', 'where to write a kubeconfig for kubectl')
    .option('--history <n>', 'changes kept for watch resumption; older versions get 410 Gone', positive)
    .option('-c, --config <file>', 'K2 config file (YAML); its simulator section gives the defaults')
    .action(async (opts: Record<string, unknown>) => {
      const config = loadCliConfig(opts.config as string | undefined);
      const s = config.simulator;
      if (opts.scenario) s.scenarios = opts.scenario as string[];
      if (opts.speed !== undefined) s.speed = opts.speed as number;
      if (opts.port !== undefined) s.port = opts.port as number;
      if (opts.host !== undefined) s.host = opts.host as string;
      if (opts.token !== undefined) s.token = opts.token as string;
      if (opts.loop !== undefined) s.loop = opts.loop as boolean;
      if (opts.kubeconfig !== undefined) s.kubeconfigPath = opts.kubeconfig as string;
      if (opts.history !== undefined) s.historyLimit = opts.history as number;
      const { launch, simulatorComponent } = await loadComponent('simulator', 'simulatorComponent');
      await launch([simulatorComponent], config);
    });
}
