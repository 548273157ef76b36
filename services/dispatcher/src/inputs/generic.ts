import { z } from 'zod';
import { Labels, type Alert } from '@k2/contracts';
import { hashParts } from '../route/hash.js';

/** The generic alert API: a list of alerts, Alertmanager's v2 shape; `endsAt` in the past resolves. */
export const GenericAlerts = z
  .array(
    z.strictObject({
      labels: Labels.refine((l) => Object.keys(l).length > 0, 'an alert needs at least one label'),
      annotations: z.record(z.string(), z.string().max(10_000)).default({}),
      startsAt: z.iso.datetime({ offset: true }).optional(),
      endsAt: z.iso.datetime({ offset: true }).optional(),
      status: z.enum(['firing', 'resolved']).optional(),
      generatorURL: z.string().max(2000).optional(),
    }),
  )
  .min(1)
  .max(10_000);
export type GenericAlerts = z.infer<typeof GenericAlerts>;

/** Same labels ⇒ same alert (Alertmanager's fingerprint idea). */
export const labelsFingerprint = (labels: Labels): string => `api:${hashParts(Object.entries(labels).sort().flat())}`;

export function genericToAlerts(items: GenericAlerts, receivedAt: number): Alert[] {
  return items.map((a) => {
    const ended = a.endsAt !== undefined && Date.parse(a.endsAt) <= receivedAt;
    const status = a.status ?? (ended ? 'resolved' : 'firing');
    return {
      fingerprint: labelsFingerprint(a.labels),
      labels: a.labels,
      annotations: a.annotations,
      status,
      startsAt: new Date(a.startsAt ?? receivedAt).toISOString(),
      ...(status === 'resolved' ? { endsAt: new Date(a.endsAt ?? receivedAt).toISOString() } : {}),
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      source: 'api' as const,
      receivedAt,
    };
  });
}
