import { z } from 'zod';
import type { Alert } from '@k2/contracts';
import { hashParts } from '../route/hash.js';

const labels = z.record(z.string(), z.string());

/** Alertmanager's webhook payload, version 4 (notify/webhook in Alertmanager). */
export const AlertmanagerWebhook = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: labels,
  externalURL: z.string(),
  notification_reason: z.string().optional(),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved']),
      labels,
      annotations: labels.default({}),
      startsAt: z.string(),
      endsAt: z.string().optional(),
      generatorURL: z.string().default(''),
      fingerprint: z.string().min(1),
    }),
  ),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

// Go's zero time: Alertmanager sends it as endsAt of alerts that have none.
const ZERO_TIME = /^0001-01-01/;
const iso = (t: string | undefined) => (t && !ZERO_TIME.test(t) ? new Date(t).toISOString() : undefined);

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Each alert in the payload, keeping Alertmanager's group (its groupKey) for routes without group_by. */
export function alertmanagerToAlerts(payload: AlertmanagerWebhook, receivedAt: number): Alert[] {
  return payload.alerts.map((a) => {
    const endsAt = a.status === 'resolved' ? iso(a.endsAt) : undefined;
    return {
      // Alertmanager's fingerprint is per Alertmanager cluster; prefixing keeps it apart from K2's ids.
      fingerprint: `am:${hashParts([payload.externalURL, a.fingerprint])}`,
      labels: Object.fromEntries(Object.entries(a.labels).filter(([k]) => labelName.test(k))),
      annotations: a.annotations,
      status: a.status,
      startsAt: iso(a.startsAt) ?? new Date(receivedAt).toISOString(),
      ...(endsAt ? { endsAt } : {}),
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      source: 'alertmanager' as const,
      sourceGroupKey: `${payload.externalURL}|${payload.receiver}|${payload.groupKey}`,
      receivedAt,
    };
  });
}
