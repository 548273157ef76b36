import type { EscalationConfig, ReceiverConfig, RoutingConfig, ScheduleConfig } from '../route/config.js';
import { TimeIntervals } from '../route/time-intervals.js';
import { buildRouteTree, type Route } from '../route/tree.js';
import { Inhibitor } from '../inhibit/inhibitor.js';

/** A routing file made ready to use: the route tree indexed by id, receivers, intervals, rules. */
export class Routing {
  readonly tree: Route;
  readonly routes = new Map<string, Route>();
  readonly receivers: Map<string, ReceiverConfig>;
  readonly timeIntervals: TimeIntervals;
  readonly inhibitor: Inhibitor;
  readonly schedules: Map<string, ScheduleConfig>;
  readonly escalations: Map<string, EscalationConfig>;

  constructor(readonly config: RoutingConfig) {
    this.tree = buildRouteTree(config);
    const index = (r: Route) => {
      this.routes.set(r.id, r);
      r.routes.forEach(index);
    };
    index(this.tree);
    this.receivers = new Map(config.receivers.map((r) => [r.name, r]));
    this.timeIntervals = new TimeIntervals(config.time_intervals);
    this.inhibitor = new Inhibitor(config.inhibit_rules);
    this.schedules = new Map(config.oncall.schedules.map((s) => [s.name, s]));
    this.escalations = new Map(config.oncall.escalations.map((e) => [e.name, e]));
  }
}
