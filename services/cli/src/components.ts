import type { Component } from './component.js';
import { eventerComponent } from './eventer.js';
import { oomWatcherComponent } from './oom-watcher.js';
import { simulatorComponent } from './simulator.js';

/** Everything `k2 up` starts, in start order; stopped in reverse. */
export const COMPONENTS: Component[] = [simulatorComponent, eventerComponent, oomWatcherComponent];
