import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { InProcessBus, KafkaBus, type Bus } from '@k2/bus';
import type { K2Config } from '@k2/config';
import type { OwnerResolver } from '@k2/eventer';
import type { Logger } from '@k2/log';
import { StartError } from './component.js';

/**
 * What the components of one process share: its bus, its cluster connection, its log.
 * client-node (and the eventer's owner caches, built on it) are loaded only when a component asks
 * for them: their modules alone are about 80 MB of RSS, which `k2 exporter` does without.
 */
export class Runtime {
  private busInstance: Bus | undefined;
  private ownersInstance: Promise<OwnerResolver> | undefined;

  constructor(
    readonly config: K2Config,
    readonly log: Logger,
    /** The names of the components this process runs. */
    readonly components: readonly string[] = [],
  ) {}

  /** Whether this process also runs the named component. */
  runs(name: string): boolean {
    return this.components.includes(name);
  }

  /** One bus per process: with the embedded bus, that is what lets the services talk. */
  bus(): Bus {
    if (!this.busInstance) {
      const { bus } = this.config;
      this.busInstance =
        bus.kind === 'kafka'
          ? new KafkaBus({
              brokers: bus.kafka.brokers,
              clientId: bus.kafka.clientId,
              replicationFactor: bus.kafka.replicationFactor,
              log: this.log,
            })
          : new InProcessBus({ log: this.log });
    }
    return this.busInstance;
  }

  /** The kubeconfig file to read (undefined: as kubectl finds it), or in-cluster; checked to exist. */
  kubeconfigPath(): string | undefined | 'in-cluster' {
    const k = this.config.kubernetes;
    if (k.mode === 'in-cluster') return 'in-cluster';
    const path = k.mode === 'simulator' ? resolve(this.config.simulator.kubeconfigPath) : k.kubeconfig;
    if (path && !existsSync(path)) {
      throw new StartError(
        k.mode === 'simulator'
          ? `no simulator kubeconfig at ${path}: run \`k2 up\`, or \`k2 sim\` first, or set kubernetes.mode`
          : `kubernetes.kubeconfig: ${path} does not exist`,
      );
    }
    return path;
  }

  /** The cluster to watch: the simulator's kubeconfig, a kubeconfig file, or the in-cluster service account. */
  async kubeConfig(): Promise<KubeConfig> {
    const path = this.kubeconfigPath();
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    if (path === 'in-cluster') {
      kc.loadFromCluster();
      return kc;
    }
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    const { context } = this.config.kubernetes;
    if (context) kc.setCurrentContext(context);
    return kc;
  }

  /** One set of owner caches (Pods, ReplicaSets, Jobs) for every service in the process. */
  owners(): Promise<OwnerResolver> {
    this.ownersInstance ??= (async () => {
      const [{ OwnerResolver }, kc] = await Promise.all([import('@k2/eventer'), this.kubeConfig()]);
      const owners = new OwnerResolver(kc, this.log);
      await owners.start();
      return owners;
    })();
    return this.ownersInstance;
  }

  async close(): Promise<void> {
    if (this.ownersInstance) await (await this.ownersInstance).stop();
    await this.busInstance?.close();
  }
}
