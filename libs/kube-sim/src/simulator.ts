import { randomBytes } from 'node:crypto';
import { ADMIN_RULES, Authorizer, type SimUser } from './auth.js';
import { VirtualClock, type Clock } from './clock.js';
import { Cluster } from './cluster.js';
import { kubeconfig, writeKubeconfig } from './kubeconfig.js';
import { SimKubelet } from './kubelet.js';
import { ScenarioPlayer, type PlayerOptions } from './player.js';
import type { Scenario } from './scenario.js';
import { ApiServer, type ApiServerOptions } from './server.js';
import { servingCert, type ServingCert } from './tls.js';

export interface SimulatorOptions extends ApiServerOptions, PlayerOptions {
  scenarios?: Scenario[];
  /** The admin's bearer token; generated when absent. */
  token?: string;
  /** More users, for tests of authorization. */
  users?: SimUser[];
  /** Changes kept for WATCH resumption; older versions get 410 Gone. */
  historyLimit?: number;
  /** Use a virtual clock stepped by `advance()` instead of the wall clock. */
  virtualTime?: boolean;
}

/** The Kubernetes API simulator: cluster state, HTTP API and scenario player in one handle. */
export class KubeSimulator {
  readonly cluster: Cluster;
  readonly player: ScenarioPlayer;
  readonly token: string;
  /** The nodes' kubelets: container memory for /api/v1/nodes/{node}/proxy/metrics/cadvisor. */
  readonly kubelet = new SimKubelet();
  private server: ApiServer | undefined;
  private tls: ServingCert | undefined;
  private readonly authorizer: Authorizer;
  private readonly virtualClock: VirtualClock | undefined;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.virtualClock = options.virtualTime ? new VirtualClock() : undefined;
    const clock: Clock | undefined = this.virtualClock;
    this.cluster = new Cluster({ clock, historyLimit: options.historyLimit });
    this.token = options.token ?? randomBytes(24).toString('base64url');
    this.authorizer = new Authorizer([
      { name: 'admin', token: this.token, rules: ADMIN_RULES },
      ...(options.users ?? []),
    ]);
    this.player = new ScenarioPlayer(this.cluster, options.scenarios ?? [], { ...options, kubelet: this.kubelet });
  }

  /** Starts serving; with wall-clock time the scenarios start playing too. */
  async start(): Promise<string> {
    this.tls = await servingCert();
    this.server = new ApiServer(this.cluster, this.authorizer, this.tls, this.options, this.kubelet);
    const url = await this.server.listen();
    if (!this.virtualClock) this.player.start();
    else this.player.advanceTo(0);
    return url;
  }

  get url(): string {
    if (!this.server) throw new Error('the simulator is not started');
    return this.server.url;
  }

  /** The certificate clients must trust (PEM). */
  get caCert(): string {
    if (!this.tls) throw new Error('the simulator is not started');
    return this.tls.cert;
  }

  /** A kubeconfig (JSON) for the admin user, or for another user's token. */
  kubeconfig(token = this.token): string {
    return kubeconfig(this.url, this.caCert, token);
  }

  /** Virtual time only: moves the clock and plays every line due by then. */
  advance(ms: number): void {
    if (!this.virtualClock) throw new Error('advance() needs virtualTime: true');
    this.virtualClock.advance(ms);
    this.player.advanceTo(this.player.time + ms);
  }

  writeKubeconfig(path: string): void {
    writeKubeconfig(path, this.url, this.caCert, this.token);
  }

  /** Cuts every open connection; clients reconnect and resume their watches. */
  dropConnections(): void {
    this.server?.dropConnections();
  }

  async stop(): Promise<void> {
    this.player.stop();
    await this.server?.close();
  }
}
