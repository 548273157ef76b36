import type { Alert, Labels } from '@k2/contracts';
import { hashParts } from './hash.js';
import type { RouteConfig, RoutingConfig } from './config.js';
import { matchesAll, type Matcher } from './matcher.js';

/** K2 incidents are already converged: notify at once, re-group changes for a minute, repeat every 4 h. */
export const DEFAULT_TIMING = { groupWait: 0, groupInterval: 60_000, repeatInterval: 4 * 3_600_000 };

/** A route with its inherited settings resolved (Alertmanager: children inherit what they do not set). */
export interface Route {
  /** Stable id from its position in the tree: `0`, `0.1`, `0.1.0`. */
  id: string;
  receiver: string;
  matchers: Matcher[];
  continue: boolean;
  /** Undefined: group as the source did (Alertmanager's group key), else by every label. */
  groupBy: string[] | undefined;
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
  escalation: string | undefined;
  routes: Route[];
}

function build(cfg: RouteConfig, parent: Route | undefined, id: string): Route {
  const route: Route = {
    id,
    receiver: cfg.receiver ?? parent!.receiver,
    matchers: cfg.matchers,
    continue: cfg.continue,
    groupBy: cfg.group_by ?? parent?.groupBy,
    groupWait: cfg.group_wait ?? parent?.groupWait ?? DEFAULT_TIMING.groupWait,
    groupInterval: cfg.group_interval ?? parent?.groupInterval ?? DEFAULT_TIMING.groupInterval,
    repeatInterval: cfg.repeat_interval ?? parent?.repeatInterval ?? DEFAULT_TIMING.repeatInterval,
    muteTimeIntervals: cfg.mute_time_intervals.length ? cfg.mute_time_intervals : (parent?.muteTimeIntervals ?? []),
    activeTimeIntervals: cfg.active_time_intervals.length
      ? cfg.active_time_intervals
      : (parent?.activeTimeIntervals ?? []),
    escalation: cfg.escalation ?? parent?.escalation,
    routes: [],
  };
  route.routes = cfg.routes.map((child, i) => build(child, route, `${id}.${i}`));
  return route;
}

export function buildRouteTree(cfg: RoutingConfig): Route {
  return build(cfg.route, undefined, '0');
}

/**
 * The routes an alert goes to, Alertmanager's way: depth first, the first matching child wins
 * unless it says `continue`; a route no child takes is itself the match.
 */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const found: Route[] = [];
  for (const child of route.routes) {
    const hit = matchRoutes(child, labels);
    found.push(...hit);
    if (hit.length > 0 && !child.continue) break;
  }
  return found.length > 0 ? found : [route];
}

/** The labels that name an alert's group on a route. */
export function groupLabels(route: Route, alert: Alert): Labels {
  if (route.groupBy === undefined) return alert.sourceGroupKey !== undefined ? {} : alert.labels;
  if (route.groupBy.includes('...')) return alert.labels;
  return Object.fromEntries(
    route.groupBy.filter((l) => alert.labels[l] !== undefined).map((l) => [l, alert.labels[l]!]),
  );
}

/** Same route and same group labels (or the same Alertmanager group) ⇒ same group, on every replica. */
export function groupKey(route: Route, alert: Alert): string {
  const labels = groupLabels(route, alert);
  const sourceKey = route.groupBy === undefined ? (alert.sourceGroupKey ?? '') : '';
  // Names sorted by code unit: the order of the [name, value] pairs sorted as strings (label names
  // have no character below ','), so keys stored by earlier versions stay the same.
  const parts = [sourceKey];
  for (const name of Object.keys(labels).sort()) parts.push(name, labels[name]!);
  return `${route.id}:${hashParts(parts)}`;
}
