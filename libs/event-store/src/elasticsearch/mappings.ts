/** Index names and explicit mappings: keywords for what is filtered and aggregated, text for messages. */
export interface IndexNames {
  /** `<prefix>-events-YYYY.MM.DD`, one per day of lastSeen (UTC). */
  eventsPattern: string;
  eventsIndex(lastSeenMs: number): string;
  /** Parses a daily index name back into its day (ms at 00:00 UTC), or undefined for other names. */
  dayOf(index: string): number | undefined;
  incidentRecords: string;
  incidents: string;
  acks: string;
  usage: string;
  template: string;
}

export function indexNames(prefix: string): IndexNames {
  const eventsPrefix = `${prefix}-events-`;
  return {
    eventsPattern: `${eventsPrefix}*`,
    eventsIndex: (ms) => `${eventsPrefix}${new Date(ms).toISOString().slice(0, 10).replaceAll('-', '.')}`,
    dayOf(index) {
      const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(index.slice(eventsPrefix.length));
      return index.startsWith(eventsPrefix) && m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
    },
    incidentRecords: `${prefix}-incident-records`,
    incidents: `${prefix}-incidents`,
    acks: `${prefix}-acks`,
    usage: `${prefix}-usage`,
    template: `${prefix}-events`,
  };
}

const keyword = { type: 'keyword' } as const;
const date = { type: 'date' } as const;

/**
 * A K2Event as stored: the event itself (its _source is the K2Event, plus `k2`) with fields the
 * API filters on. `dynamic: false` keeps unknown fields in _source without mapping them.
 */
export const EVENT_MAPPINGS = {
  dynamic: false,
  properties: {
    id: keyword,
    fingerprint: keyword,
    cluster: keyword,
    namespace: keyword,
    involvedObject: {
      properties: { kind: keyword, name: keyword, uid: keyword, fieldPath: keyword, apiVersion: keyword },
    },
    workload: { properties: { kind: keyword, name: keyword } },
    reason: keyword,
    message: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 1024 } } },
    type: keyword,
    source: { properties: { component: keyword, host: keyword } },
    count: { type: 'long' },
    occurrence: { type: 'long' },
    firstSeen: date,
    lastSeen: date,
    oom: {
      properties: {
        container: keyword,
        limitBytes: { type: 'long' },
        restartCount: { type: 'long' },
        finishedAt: date,
        node: keyword,
        process: keyword,
      },
    },
    /** Labels of the involved object, when a producer adds them: any keys, one mapping. */
    labels: { type: 'flattened' },
    /** Derived at write time, removed when read. */
    k2: { properties: { node: keyword } },
  },
} as const;

export const INCIDENT_MAPPINGS = {
  dynamic: false,
  properties: {
    id: keyword,
    seq: { type: 'long' },
    cluster: keyword,
    namespace: keyword,
    workload: { properties: { kind: keyword, name: keyword } },
    class: keyword,
    status: keyword,
    severity: keyword,
    firstSeen: date,
    lastSeen: date,
    transitionAt: date,
    summary: { type: 'text' },
    k2: { properties: { affected: keyword } },
  },
} as const;

export const ACK_MAPPINGS = {
  dynamic: false,
  properties: { incidentId: keyword, cluster: keyword, namespace: keyword, by: keyword, at: date },
} as const;

export const USAGE_MAPPINGS = {
  dynamic: false,
  properties: { at: date, user: keyword, action: keyword },
} as const;
