import { resolve } from 'node:path';
import { StartError, type Component, type Running } from './component.js';
import type { Runtime } from './runtime.js';

export async function startSimulator(runtime: Runtime): Promise<Running> {
  const { config, log } = runtime;
  // Loaded on demand: its certificate libraries cost half a second that other commands need not pay.
  const { demoScenario, KubeSimulator, loadScenario } = await import('@k2/kube-sim');
  const c = config.simulator;
  const scenarios = c.scenarios.length > 0 ? c.scenarios.map((f) => loadScenario(f)) : [demoScenario()];
  const sim = new KubeSimulator({
    host: c.host,
    port: c.port,
    token: c.token,
    users: c.users,
    scenarios,
    speed: c.speed,
    loop: c.loop,
    historyLimit: c.historyLimit,
    bookmarkIntervalMs: c.bookmarkIntervalSeconds * 1000,
    onError: (line, err) => log.warn({ line: line.source, err: String(err) }, 'scenario line not applied'),
  });
  try {
    await sim.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartError(
        `simulator: port ${c.port} on ${c.host} is in use; set simulator.port (or --port) to a free one`,
      );
    }
    throw err;
  }
  const kubeconfigPath = resolve(c.kubeconfigPath);
  sim.writeKubeconfig(kubeconfigPath);
  const names = scenarios.map((s) => s.name).join(', ');
  log.info(
    { url: sim.url, kubeconfig: kubeconfigPath, scenarios: names, speed: c.speed, loop: c.loop },
    'simulator started',
  );
  return {
    name: 'simulator',
    endpoints: { api: sim.url, kubeconfig: kubeconfigPath },
    notes: [
      `playing ${names} at ${c.speed}x${c.loop ? ', looping' : ''}`,
      `kubectl --kubeconfig ${kubeconfigPath} get events -A`,
    ],
    stop: () => sim.stop(),
  };
}

export const simulatorComponent: Component = {
  name: 'simulator',
  enabled: (config) => config.kubernetes.mode === 'simulator',
  start: startSimulator,
};
