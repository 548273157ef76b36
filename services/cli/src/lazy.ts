import type { Component } from './component.js';
import type { launch } from './launch.js';

/** Each command's component, by module, imported only when the command runs. */
const COMPONENT_MODULES = {
  converger: () => import('./converger.js'),
  dispatcher: () => import('./dispatcher.js'),
  'event-center': () => import('./event-center.js'),
  eventer: () => import('./eventer.js'),
  exporter: () => import('./exporter.js'),
  'oom-watcher': () => import('./oom-watcher.js'),
  simulator: () => import('./simulator.js'),
};

/**
 * A command's component and the launcher, loaded when the command runs: each service pulls in
 * its whole dependency tree, and `k2 --help` (or any other command) should not wait for all of them.
 */
export async function loadComponent<N extends string>(
  module: keyof typeof COMPONENT_MODULES,
  name: N,
): Promise<{ launch: typeof launch } & Record<N, Component>> {
  const [launcher, loaded] = await Promise.all([import('./launch.js'), COMPONENT_MODULES[module]()]);
  const component = (loaded as unknown as Record<string, Component | undefined>)[name];
  if (!component) throw new Error(`${module} has no component ${name}`);
  return { launch: launcher.launch, [name]: component } as { launch: typeof launch } & Record<N, Component>;
}
