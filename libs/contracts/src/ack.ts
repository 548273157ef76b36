import { z } from 'zod';

/** Topic the event center publishes acknowledgements to and the dispatcher consumes (key: incident id). */
export const ACKS_TOPIC = 'k2.acks';

/** Someone took an incident on: its escalation stops. Published by the event center's ack endpoint. */
export const IncidentAck = z.object({
  incidentId: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex characters'),
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  /** Who acknowledged (user name as authenticated by the event center). */
  by: z.string().min(1),
  at: z.iso.datetime(),
  comment: z.string().max(2000).optional(),
});
export type IncidentAck = z.infer<typeof IncidentAck>;
