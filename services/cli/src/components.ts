import type { Component } from './component.js';
import { convergerComponent } from './converger.js';
import { dispatcherComponent } from './dispatcher.js';
import { eventCenterComponent } from './event-center.js';
import { eventerComponent } from './eventer.js';
import { exporterComponent } from './exporter.js';
import { oomWatcherComponent } from './oom-watcher.js';
import { simulatorComponent } from './simulator.js';

/** Everything `k2 up` starts, in start order; stopped in reverse. */
export const COMPONENTS: Component[] = [
  simulatorComponent,
  // Before the converger: its group on k2.incidents starts at the end, so it must join first.
  dispatcherComponent,
  // Before the eventer: the converger's group starts at the end of k2.events, so it must join first.
  convergerComponent,
  eventCenterComponent,
  // Before the eventer, like the converger: its group starts at the end of k2.events.
  exporterComponent,
  eventerComponent,
  oomWatcherComponent,
];
