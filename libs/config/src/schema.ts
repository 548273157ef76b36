import { z } from 'zod';

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
  users: z.array(z.strictObject({ name: z.string().min(1), token: z.string().min(16), rules: z.array(ruleSchema) })).default([]),
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
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') }).prefault({}),
});

export type K2Config = z.infer<typeof configSchema>;
export type SimulatorConfig = z.infer<typeof simulatorSchema>;
