import type { Component } from './component.js';
import { convergerComponent } from './converger.js';
import { eventerComponent } from './eventer.js';
import { oomWatcherComponent } from './oom-watcher.js';
import { simulatorComponent } from './simulator.js';

/** Everything `k2 up` starts, in start order; stopped in reverse. */
export const COMPONENTS: Component[] = [
  simulatorComponent,
  // Before the eventer: the converger's group starts at the end of k2.events, so it must join first.
  convergerComponent,
  eventerComponent,
  oomWatcherComponent,
];
