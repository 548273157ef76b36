import { setFlagsFromString } from 'node:v8';
import type { Component } from './component.js';
import type { launch } from './launch.js';

/**
 * V8 flags for a process that runs only watchers (and the exporter, which scrapes): they hold little (about 50 MB, most of it
 * client-node's modules) but read bursts of objects that are garbage a moment later, and V8's
 * default heap growth lets old space swell to several times what is live before it collects.
 * Growing it by 20% at a time held an eventer to about 175 MB after 100,000 events instead of
 * about 300 MB, for a few percent of its rate; `--optimize-for-size` held it to 145 MB but cost
 * a quarter to two fifths of it. Set before the component loads. The eventer and exporter benchmarks run with them.
 */
export const SMALL_HEAP_V8_FLAGS = '--heap-growing-percent=20';
const SMALL_HEAP_MODULES = new Set(['eventer', 'exporter', 'oom-watcher']);

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
  if (SMALL_HEAP_MODULES.has(module)) setFlagsFromString(SMALL_HEAP_V8_FLAGS);
  const [launcher, loaded] = await Promise.all([import('./launch.js'), COMPONENT_MODULES[module]()]);
  const component = (loaded as unknown as Record<string, Component | undefined>)[name];
  if (!component) throw new Error(`${module} has no component ${name}`);
  return { launch: launcher.launch, [name]: component } as { launch: typeof launch } & Record<N, Component>;
}
