import { z } from 'zod';
import { eventCenterSchema } from './event-center.js';
import { exporterSchema } from './exporter.js';
import { dispatcherSchema } from './dispatcher.js';

const port = z.number().int().min(0).max(65535);

const ruleSchema = z.strictObject({
  verbs: z.array(z.string().min(1)).min(1),
  resources: z.array(z.string().min(1)).min(1),
  apiGroups: z.array(z.string()).optional(),
  namespaces: z.array(z.string().min(1)).optional(),
});

export const simulatorSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: port.default(6443),
  /** The admin's bearer token; generated at each start when absent. */
  token: z.string().min(16, 'use at least 16 characters').optional(),
  /** Scenario files to play; the built-in demo when empty. */
  scenarios: z.array(z.string().min(1)).default([]),
  speed: z.number().positive().default(10),
  loop: z.boolean().default(true),
  historyLimit: z.number().int().positive().default(100_000),
  bookmarkIntervalSeconds: z.number().positive().default(60),
  /** Where the kubeconfig for kubectl is written. */
  kubeconfigPath: z.string().min(1).default('.k2/kubeconfig'),
  users: z
    .array(z.strictObject({ name: z.string().min(1), token: z.string().min(16), rules: z.array(ruleSchema) }))
    .default([]),
});

/** A regular expression, checked when the config loads so a typo is a start-up error, not a silent no-match. */
const pattern = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
  }
});

const filterRuleSchema = z
  .strictObject({
    namespace: pattern.optional(),
    kind: pattern.optional(),
    reason: pattern.optional(),
    type: pattern.optional(),
    message: pattern.optional(),
  })
  .refine(
    (r) => Object.values(r).some((v) => v !== undefined),
    'a rule needs at least one of namespace, kind, reason, type, message',
  );

const httpSchema = (defaultPort: number) =>
  z.strictObject({ host: z.string().default('127.0.0.1'), port: port.default(defaultPort) }).prefault({});

export const busSchema = z.strictObject({
  /** `embedded`: in-process, nothing to run; `kafka`: Apache Kafka through kafkajs. */
  kind: z.enum(['embedded', 'kafka']).default('embedded'),
  kafka: z
    .strictObject({
      brokers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('127.0.0.1:9092'),
      clientId: z.string().min(1).default('k2'),
      replicationFactor: z.number().int().positive().optional(),
    })
    .prefault({}),
  /** Partitions of the topics K2 creates. */
  partitions: z.number().int().positive().default(6),
});

export const eventerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Namespaces to watch; empty watches all. */
  namespaces: z.array(z.string().min(1)).default([]),
  /** On the very first start, events last seen longer ago than this are not published. */
  maxEventAgeSeconds: z.number().nonnegative().default(600),
  /** Publish only events matching one of these rules (all when empty). Patterns are anchored. */
  include: z.array(filterRuleSchema).default([]),
  /** Never publish events matching one of these rules. */
  exclude: z.array(filterRuleSchema).default([]),
  queueLimit: z.number().int().positive().default(10_000),
  /** Events per publish; 1,000 fills one produce request of the Kafka bus, which then goes out without lingering. */
  batchSize: z.number().int().positive().default(1000),
  /** Embedded mode keeps its place in this file; with Kafka, in the compacted topic k2.checkpoints. */
  checkpointPath: z.string().min(1).default('.k2/eventer-checkpoint.jsonl'),
  leaderElection: z
    .strictObject({
      enabled: z.boolean().default(true),
      namespace: z.string().min(1).default('k2-system'),
      leaseName: z.string().min(1).default('k2-eventer'),
      leaseDurationSeconds: z.number().positive().default(15),
      renewDeadlineSeconds: z.number().positive().default(10),
      retryPeriodSeconds: z.number().positive().default(2),
    })
    .refine((l) => l.renewDeadlineSeconds < l.leaseDurationSeconds, {
      message: 'renewDeadlineSeconds must be shorter than leaseDurationSeconds, or two replicas could both lead',
      path: ['renewDeadlineSeconds'],
    })
    .prefault({}),
  http: httpSchema(9101),
});

export const oomWatcherSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** `cluster`: watch Pods through the API; `node`: read kernel OOM lines on this node (a DaemonSet). */
  mode: z.enum(['cluster', 'node']).default('cluster'),
  /** Node mode: this node's name (the Downward API's spec.nodeName). */
  nodeName: z.string().min(1).optional(),
  /** Node mode: where kernel messages are read. */
  kmsgPath: z.string().min(1).default('/dev/kmsg'),
  /** Write each kill back into Kubernetes as a Warning Event (reason OOMKilling) on the pod. */
  reportEvents: z.boolean().default(true),
  /** Embedded mode keeps its place in this file; with Kafka, in the compacted topic k2.checkpoints. */
  checkpointPath: z.string().min(1).default('.k2/oom-watcher-checkpoint.jsonl'),
  http: httpSchema(9102),
});

export const convergerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** A policy file (YAML) with what differs from the built-in policy (alert-rules/converger-policy.yaml). */
  policyFile: z.string().min(1).optional(),
  /** The consumer group on k2.events. */
  groupId: z.string().min(1).default('k2-converger'),
  /** How far behind the newest event time the watermark trails: later events still count as on time. */
  latenessSeconds: z.number().nonnegative().default(5),
  /** With no event for this long, event time follows the wall clock, so quiet periods end. */
  idleSeconds: z.number().positive().default(5),
  http: httpSchema(9103),
});

export const kubernetesSchema = z.strictObject({
  /** `simulator` runs the built-in API simulator; `kubeconfig` and `in-cluster` talk to a real cluster. */
  mode: z.enum(['simulator', 'kubeconfig', 'in-cluster']).default('simulator'),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
});

export const configSchema = z.strictObject({
  /** The name K2 gives this cluster in every event, incident and metric. */
  cluster: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lower-case letters, digits and dashes')
    .default('demo'),
  kubernetes: kubernetesSchema.default({ mode: 'simulator' }),
  simulator: simulatorSchema.prefault({}),
  bus: busSchema.prefault({}),
  eventer: eventerSchema.prefault({}),
  oomWatcher: oomWatcherSchema.prefault({}),
  converger: convergerSchema.prefault({}),
  eventCenter: eventCenterSchema.prefault({}),
  exporter: exporterSchema.prefault({}),
  dispatcher: dispatcherSchema.prefault({}),
  log: z
    .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') })
    .prefault({}),
});

export type K2Config = z.infer<typeof configSchema>;
export type SimulatorConfig = z.infer<typeof simulatorSchema>;
export type BusConfig = z.infer<typeof busSchema>;
export type EventerConfig = z.infer<typeof eventerSchema>;
export type OomWatcherConfig = z.infer<typeof oomWatcherSchema>;
export type ConvergerConfig = z.infer<typeof convergerSchema>;
