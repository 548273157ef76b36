import type { Component } from './component.js';
import type { launch } from './launch.js';

/**
 * A command's component and the launcher, loaded when the command runs: each service pulls in
 * its whole dependency tree, and `k2 --help` (or any other command) should not wait for all of them.
 */
export async function loadComponent<N extends string>(
  module: string,
  name: N,
): Promise<{ launch: typeof launch } & Record<N, Component>> {
  const [launcher, loaded] = await Promise.all([
    import('./launch.js'),
    import(`./${module}.js`) as Promise<Record<string, Component>>,
  ]);
  const component = loaded[name];
  if (!component) throw new Error(`${module}.js has no component ${name}`);
  return { launch: launcher.launch, [name]: component } as { launch: typeof launch } & Record<N, Component>;
}
