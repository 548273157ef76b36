import { z } from 'zod';

const port = z.number().int().min(0).max(65535);

export const exporterSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** `cluster`: every kubelet's /metrics/cadvisor; `node`: this node's cgroup files (a DaemonSet). */
    mode: z.enum(['cluster', 'node']).default('cluster'),
    /** Node mode: this node's name (the Downward API's spec.nodeName). */
    nodeName: z.string().min(1).optional(),
    /** Node mode: where the host's cgroup filesystem is mounted. */
    cgroupRoot: z.string().min(1).default('/sys/fs/cgroup'),
    /** Node mode: 1 or 2; detected from the mount when absent. */
    cgroupVersion: z.union([z.literal(1), z.literal(2)]).optional(),
    /**
     * Cluster mode: read kubelets directly instead of through the API server's nodes/proxy, e.g.
     * `https://{address}:10250/metrics/cadvisor` ({node}: the node's name, {address}: its InternalIP).
     */
    kubeletUrlTemplate: z
      .string()
      .regex(/^https?:\/\/.*\{(node|address)\}/, 'an http(s) URL naming {node} or {address}')
      .optional(),
    /** Kubelets read at once. */
    concurrency: z.number().int().positive().default(8),
    timeoutSeconds: z.number().positive().default(10),
    /** The consumer group on k2.events. */
    groupId: z.string().min(1).default('k2-exporter'),
    /** Distinct event reasons reported as themselves; later new ones count as `other`. */
    maxReasons: z.number().int().positive().default(200),
    /** Distinct incident classes reported as themselves; later new ones count as `other`. */
    maxClasses: z.number().int().positive().default(50),
    http: z.strictObject({ host: z.string().default('127.0.0.1'), port: port.default(9104) }).prefault({}),
  })
  .refine((e) => e.mode !== 'node' || e.nodeName !== undefined, {
    message: 'node mode needs nodeName (the Downward API spec.nodeName)',
    path: ['nodeName'],
  });

export type ExporterConfig = z.infer<typeof exporterSchema>;
