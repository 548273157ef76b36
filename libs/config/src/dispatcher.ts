import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const name = z.string().min(1);

/** Namespaces a token may see in the delivery log, per cluster; `*` for all. */
const grantSchema = z.strictObject({ cluster: name, namespace: name });

const tokenSchema = z.strictObject({
  user: name,
  /** sha256 of the token, hex: the token itself is never stored. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the sha256 of the token as 64 lowercase hex characters'),
  /**
   * `sender`: post alerts (Alertmanager's webhook, the generic API). `viewer`: read silences, on-call
   * and the delivery log of its grants. `admin`: everything, silences and acks included.
   */
  role: z.enum(['sender', 'viewer', 'admin']),
  grants: z.array(grantSchema).default([]),
});

export const dispatcherSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** The routing file (route tree, receivers, silences' defaults, on-call); the built-in alert-rules/dispatcher.yaml when absent. */
  routingFile: z.string().min(1).optional(),
  /** Groups, pending sends, silences, acks, escalations and the delivery log live here (SQLite). */
  stateDir: z.string().min(1).default('.k2/dispatcher'),
  /** Consumer groups: `<groupId>` on k2.alerts (group ownership), `<groupId>-incidents` and `<groupId>-acks`. */
  groupId: z.string().min(1).default('k2-dispatcher'),
  api: z.strictObject({ tokens: z.array(tokenSchema).default([]) }).prefault({}),
  http: z.strictObject({ host: z.string().default('127.0.0.1'), port: port.default(9105) }).prefault({}),
});

export type DispatcherConfig = z.infer<typeof dispatcherSchema>;
