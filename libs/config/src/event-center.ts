import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const name = z.string().min(1);

/** A cluster and one of its namespaces, or `*` for all of them. */
const grantSchema = z.strictObject({ cluster: name, namespace: name });

const tokenSchema = z.strictObject({
  user: name,
  /** sha256 of the token, hex: the token itself is never stored (`k2 event-center hash-token`). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the sha256 of the token as 64 lowercase hex characters'),
  admin: z.boolean().default(false),
  grants: z.array(grantSchema).default([]),
});

const groupSchema = z.strictObject({
  group: name,
  admin: z.boolean().default(false),
  grants: z.array(grantSchema).default([]),
});

const ipAddress = z.union([z.ipv4(), z.ipv6()]);

export const eventCenterSchema = z.strictObject({
  enabled: z.boolean().default(true),
  store: z
    .strictObject({
      /** `sqlite`: one file, nothing to run; `elasticsearch`: an Elasticsearch 8 cluster. */
      kind: z.enum(['sqlite', 'elasticsearch']).default('sqlite'),
      sqlite: z.strictObject({ path: z.string().min(1).default('data/event-center.db') }).prefault({}),
      elasticsearch: z
        .strictObject({
          url: z.url().default('http://127.0.0.1:9200'),
          /** Index names start with it: `<prefix>-events-YYYY.MM.DD`, `<prefix>-incidents`, ... */
          indexPrefix: z
            .string()
            .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _')
            .default('k2'),
          shards: z.number().int().positive().default(1),
          replicas: z.number().int().nonnegative().default(0),
          refreshInterval: z.string().min(1).default('1s'),
          bulkMaxBytes: z
            .number()
            .int()
            .positive()
            .default(5 * 1024 * 1024),
          bulkConcurrency: z.number().int().positive().default(2),
        })
        .prefault({}),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** Events last seen longer ago are deleted (Elasticsearch: whole daily indices). */
      days: z.number().int().positive().default(30),
      /** node-cron schedule of the purge. */
      schedule: z.string().min(1).default('17 3 * * *'),
    })
    .prefault({}),
  /** Consumer groups on k2.events and k2.incidents are `<groupId>-events` and `<groupId>-incidents`. */
  groupId: z.string().min(1).default('k2-event-center'),
  auth: z
    .strictObject({
      tokens: z.array(tokenSchema).default([]),
      proxy: z
        .strictObject({
          /** Peers whose user and group headers are believed; none by default. */
          trustedAddresses: z.array(ipAddress).default([]),
          userHeader: z.string().min(1).default('x-forwarded-user'),
          groupsHeader: z.string().min(1).default('x-forwarded-groups'),
          groups: z.array(groupSchema).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Where the built web UI is; the service serves it at / when the folder exists. */
  uiDir: z.string().min(1).optional(),
  http: z.strictObject({ host: z.string().default('127.0.0.1'), port: port.default(8080) }).prefault({}),
});

export type EventCenterConfig = z.infer<typeof eventCenterSchema>;
