import { z } from 'zod';
import { isWellFormed, MAX_MESSAGE_BYTES, utf8Bytes } from './message.js';

export const SCHEMA_VERSION = 1;

/** UTC, as Date#toISOString writes it. */
const isoTime = z.iso.datetime();
const hexId = z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex characters');

export const ObjectRef = z.object({
  kind: z.string().min(1),
  name: z.string().min(1),
  /** Empty when the reporter named the object without its uid (some controllers do). */
  uid: z.string(),
  fieldPath: z.string().optional(),
  apiVersion: z.string().optional(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

/**
 * The object that owns the problem: Deployment, StatefulSet, DaemonSet, CronJob, or Job,
 * ReplicaSet, Pod, Node ... when nothing owns the object further up. Open-ended, since custom
 * controllers (Argo Rollouts, operators) own pods too.
 */
export const Workload = z.object({
  kind: z.string().min(1),
  name: z.string().min(1),
});
export type Workload = z.infer<typeof Workload>;

export const OomInfo = z.object({
  container: z.string().min(1),
  limitBytes: z.number().int().nonnegative().optional(),
  restartCount: z.number().int().nonnegative().optional(),
  finishedAt: isoTime.optional(),
  node: z.string().optional(),
  /** Name of the killed process, from the kernel's "Killed process 1234 (java)" line. */
  process: z.string().optional(),
});
export type OomInfo = z.infer<typeof OomInfo>;

/** The topic of K2Events, keyed by fingerprint. */
export const EVENTS_TOPIC = 'k2.events';

export const K2Event = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** Same occurrence of the same event ⇒ same id (see eventId, oomEventId). */
  id: hexId,
  /** Same problem ⇒ same fingerprint (see fingerprint); the k2.events partition key. */
  fingerprint: hexId,
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  involvedObject: ObjectRef,
  workload: Workload,
  reason: z.string(),
  message: z
    .string()
    .refine((m) => utf8Bytes(m) <= MAX_MESSAGE_BYTES, `longer than ${MAX_MESSAGE_BYTES} UTF-8 bytes`)
    .refine(isWellFormed, 'contains a lone surrogate (not valid UTF-8)'),
  type: z.enum(['Normal', 'Warning']),
  source: z.object({ component: z.string(), host: z.string().optional() }),
  /** How many times Kubernetes has seen the event so far. */
  count: z.number().int().positive(),
  /** Which occurrence this record reports (series.count, else count); part of the id. */
  occurrence: z.number().int().positive(),
  firstSeen: isoTime,
  lastSeen: isoTime,
  oom: OomInfo.optional(),
});
export type K2Event = z.infer<typeof K2Event>;
