import { z } from 'zod';

/** Topic the dispatcher's inputs are published to, keyed by routing group, so one replica owns each group. */
export const ALERTS_TOPIC = 'k2.alerts';

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names are letters, digits and _');
export const Labels = z.record(labelName, z.string());
export type Labels = z.infer<typeof Labels>;

export const AlertSource = z.enum(['k2', 'alertmanager', 'api']);
export type AlertSource = z.infer<typeof AlertSource>;

/**
 * One alert as the dispatcher routes it, whatever it came from: a K2 incident transition, an
 * alert in Alertmanager's webhook, or the generic JSON API. Same labels ⇒ same alert (fingerprint).
 */
export const Alert = z.object({
  fingerprint: z.string().min(1),
  labels: Labels,
  annotations: z.record(z.string(), z.string()).default({}),
  status: z.enum(['firing', 'resolved']),
  startsAt: z.iso.datetime(),
  /** Set once resolved. */
  endsAt: z.iso.datetime().optional(),
  generatorURL: z.string().optional(),
  source: AlertSource,
  /** Alertmanager's group key: its alerts keep their own grouping unless a route sets group_by. */
  sourceGroupKey: z.string().optional(),
  /** K2 incidents: the record's seq, so a redelivered record changes nothing. */
  seq: z.number().int().nonnegative().optional(),
  /** When the dispatcher received it (ms since the epoch): latency is measured from here. */
  receivedAt: z.number().int().nonnegative(),
});
export type Alert = z.infer<typeof Alert>;

/** One message to one receiver about one group, as the dispatcher decided to send it. */
export const Notification = z.object({
  /** Stable for (group, receiver, content): providers and webhooks can drop a repeat. */
  id: z.string().min(1),
  receiver: z.string().min(1),
  groupKey: z.string().min(1),
  groupLabels: Labels,
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(Alert),
  /** Why it goes out now: a new or changed group, a repeat, an escalation step, a digest of throttled ones. */
  reason: z.enum(['new', 'changed', 'repeat', 'resolved', 'escalation', 'digest']),
  escalationStep: z.number().int().nonnegative().optional(),
  createdAt: z.number().int().nonnegative(),
});
export type Notification = z.infer<typeof Notification>;

/** What happened to one delivery attempt series of a notification. */
export const DeliveryOutcome = z.enum(['sent', 'retrying', 'dead', 'digested']);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;
