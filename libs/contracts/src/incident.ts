import { z } from 'zod';
import { hashParts } from './ids.js';
import { Workload } from './schema.js';

export const INCIDENT_SCHEMA_VERSION = 1;

/** The compacted topic of incident records, keyed by incident id. */
export const INCIDENTS_TOPIC = 'k2.incidents';

/** The problem classes the converger knows; any other Warning reason becomes `other:<reason>`. */
export const KNOWN_PROBLEM_CLASSES = [
  'oom_kill',
  'crash_loop',
  'image_pull',
  'scheduling',
  'volume_mount',
  'probe_failure',
  'node_problem',
  'eviction',
  'job_failure',
  'config_error',
] as const;

export const ProblemClass = z.union([
  z.enum(KNOWN_PROBLEM_CLASSES),
  z.string().regex(/^other:.+$/, 'expected a known problem class or other:<reason>'),
]);
export type ProblemClass = z.infer<typeof ProblemClass>;

/** In rising order: a later severity is worse, and an incident only ever escalates. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const IncidentStatus = z.enum(['open', 'resolved']);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const IncidentTransition = z.enum(['opened', 'updated', 'escalated', 'resolved', 'reopened']);
export type IncidentTransition = z.infer<typeof IncidentTransition>;

/** A record names at most this many objects; the rest are only counted (`otherAffected`). */
export const MAX_AFFECTED = 50;

export const AffectedObject = z.object({
  kind: z.string().min(1),
  name: z.string().min(1),
  container: z.string().min(1).optional(),
  node: z.string().min(1).optional(),
  /** Occurrences of the problem on this object. */
  count: z.number().int().nonnegative(),
});
export type AffectedObject = z.infer<typeof AffectedObject>;

const isoTime = z.iso.datetime();
const hexId = z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex characters');
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * One converged problem, as the transition that produced this record left it (topic
 * `k2.incidents`, compacted by id: the latest record per id is the incident's state).
 */
export const Incident = z
  .object({
    schemaVersion: z.literal(INCIDENT_SCHEMA_VERSION),
    /** Stable for (cluster, namespace, workload or object, class); see incidentId. */
    id: hexId,
    cluster: z.string().min(1),
    namespace: z.string().min(1),
    /** The owning workload, or the object itself for things no workload owns (Nodes). */
    workload: Workload,
    class: ProblemClass,
    status: IncidentStatus,
    severity: Severity,
    firstSeen: isoTime,
    lastSeen: isoTime,
    /** Distinct events folded in, effects included. */
    count: count.positive(),
    /** The objects with the most occurrences, most first. */
    affected: z.array(AffectedObject).max(MAX_AFFECTED),
    /** Further objects with the problem, estimated once there are more than `affected` can name. */
    otherAffected: count,
    flapping: z.boolean(),
    /** Reopens within the reopen window before this record. */
    reopens: count,
    summary: z.string().min(1),
    transition: IncidentTransition,
    transitionAt: isoTime,
    /** Rises with every record of this id, even across converger restarts; consumers drop a seq they have seen. */
    seq: count.positive(),
    /** The class named as the cause: this incident's own when it absorbed effects, the absorber's when superseded. */
    cause: ProblemClass.optional(),
    /** Classes folded in as effects of this one (crash_loop into oom_kill, ...). */
    effects: z.array(ProblemClass),
    /** Set on the last record of an incident that a cause on the same workload absorbed. */
    supersededBy: hexId.optional(),
  })
  .refine((i) => i.firstSeen <= i.lastSeen, { message: 'firstSeen is after lastSeen', path: ['firstSeen'] })
  .refine((i) => (i.status === 'resolved') === (i.transition === 'resolved'), {
    message: 'status resolved goes with transition resolved, and only with it',
    path: ['status'],
  })
  .refine((i) => i.supersededBy === undefined || i.status === 'resolved', {
    message: 'only a resolved incident can be superseded',
    path: ['supersededBy'],
  });
export type Incident = z.infer<typeof Incident>;

/** Same workload (or object) and same class ⇒ same incident, across reopens and restarts. */
export function incidentId(cluster: string, namespace: string, workload: Workload, problemClass: string): string {
  return hashParts(['incident', cluster, namespace, workload.kind, workload.name, problemClass]);
}
