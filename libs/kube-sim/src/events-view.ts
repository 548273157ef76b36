import type { KubeObject } from './types.js';

/** The API server stores one kind of Event and serves it as core/v1 and as events.k8s.io/v1. */
export function coreToEventsV1(e: KubeObject): KubeObject {
  const out: KubeObject = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime ?? null,
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
    reportingController: e.reportingComponent ?? (e.source as { component?: string } | undefined)?.component ?? '',
    reportingInstance: e.reportingInstance ?? (e.source as { host?: string } | undefined)?.host ?? '',
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  };
  for (const k of ['series', 'action', 'related'] as const) if (e[k] !== undefined) out[k] = e[k];
  return out;
}

export function eventsV1ToCore(e: KubeObject): KubeObject {
  const out: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata,
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    type: e.type,
    source: e.deprecatedSource ?? { component: e.reportingController },
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    eventTime: e.eventTime ?? null,
    reportingComponent: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
  };
  for (const k of ['series', 'action', 'related'] as const) if (e[k] !== undefined) out[k] = e[k];
  return out;
}
