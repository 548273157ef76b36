import type { Command } from 'commander';
import { loadCliConfig } from '../options.js';
import { loadComponent } from '../lazy.js';

export function exporterCommand(program: Command): void {
  program
    .command('exporter')
    .description(
      'run the Prometheus exporter alone: container memory as usage minus cache (kubelet cAdvisor in cluster mode, cgroup files in node mode), event, OOM and incident counters, pipeline health',
    )
    .option('-c, --config <file>', 'K2 config file (YAML); its exporter, bus and kubernetes sections apply')
    .action(async (opts: { config?: string }) => {
      const { launch, exporterComponent } = await loadComponent('exporter', 'exporterComponent');
      await launch([exporterComponent], loadCliConfig(opts.config));
    });
}
