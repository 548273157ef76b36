import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { InProcessBus, KafkaBus, type Bus } from '@k2/bus';
import type { K2Config } from '@k2/config';
import { OwnerResolver } from '@k2/eventer';
import type { Logger } from '@k2/log';
import { StartError } from './component.js';

/** What the components of one process share: its bus, its cluster connection, its log. */
export class Runtime {
  private busInstance: Bus | undefined;
  private ownersInstance: Promise<OwnerResolver> | undefined;

  constructor(
    readonly config: K2Config,
    readonly log: Logger,
  ) {}

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

  /** The cluster to watch: the simulator's kubeconfig, a kubeconfig file, or the in-cluster service account. */
  kubeConfig(): KubeConfig {
    const k = this.config.kubernetes;
    const kc = new KubeConfig();
    if (k.mode === 'in-cluster') {
      kc.loadFromCluster();
      return kc;
    }
    const path = k.mode === 'simulator' ? resolve(this.config.simulator.kubeconfigPath) : k.kubeconfig;
    if (path && !existsSync(path)) {
      throw new StartError(
        k.mode === 'simulator'
          ? `no simulator kubeconfig at ${path}: run \`k2 up\`, or \`k2 sim\` first, or set kubernetes.mode`
          : `kubernetes.kubeconfig: ${path} does not exist`,
      );
    }
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    if (k.context) kc.setCurrentContext(k.context);
    return kc;
  }

  /** One set of owner caches (Pods, ReplicaSets, Jobs) for every service in the process. */
  owners(): Promise<OwnerResolver> {
    if (!this.ownersInstance) {
      const owners = new OwnerResolver(this.kubeConfig(), this.log);
      this.ownersInstance = owners.start().then(() => owners);
    }
    return this.ownersInstance;
  }

  async close(): Promise<void> {
    if (this.ownersInstance) await (await this.ownersInstance).stop();
    await this.busInstance?.close();
  }
}
