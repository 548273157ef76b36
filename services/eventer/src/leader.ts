import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { Logger } from '@k2/log';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Defaults to the host name plus a random suffix, so two replicas on one host differ. */
  identity?: string;
  /** How long a lease stays valid without renewal. */
  leaseDurationMs: number;
  /** A leader that cannot renew for this long steps down, before anyone else may take over. */
  renewDeadlineMs: number;
  /** How often to try to acquire or renew. */
  retryPeriodMs: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

/** HTTP status of a client-node error, if it is one. */
function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Leader election on a coordination.k8s.io Lease, in the manner of client-go: expiry is judged
 * by when this replica last saw the lease change (its own clock), never by timestamps written
 * by another host, so clock skew cannot make two leaders.
 */
export class LeaderElector {
  readonly identity: string;
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private observed: { holder: string; renewTime: number; seenAt: number } | undefined;
  private lastRenewed = 0;
  private stopped = false;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.identity = options.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Steps down and releases the lease, so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await this.api.readNamespacedLease({ namespace: this.options.namespace, name: this.options.name });
      if (lease.spec?.holderIdentity === this.identity) {
        await this.api.replaceNamespacedLease({
          namespace: this.options.namespace,
          name: this.options.name,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
        });
      }
    } catch (err) {
      this.log.warn({ err: String(err), lease: this.options.name }, 'could not release the lease; it will expire');
    }
  }

  /** Stops without releasing the lease: what a crashed replica leaves behind. */
  abandon(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.leading = false;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew(now);
    } catch (err) {
      this.log.warn({ err: String(err), lease: this.options.name }, 'lease request failed');
    }
    if (this.stopped) return;
    if (ok) {
      this.lastRenewed = now;
      this.setLeading(true);
    } else if (this.leading && Date.now() - this.lastRenewed > this.options.renewDeadlineMs) {
      this.setLeading(false);
    }
    this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodMs);
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info({ identity: this.identity, lease: this.options.name }, leading ? 'became leader' : 'stopped leading');
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    const { namespace, name } = this.options;
    const durationS = Math.ceil(this.options.leaseDurationMs / 1000);
    const stamp = new Date(now);
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: this.identity,
              leaseDurationSeconds: durationS,
              acquireTime: stamp,
              renewTime: stamp,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createErr) {
        if (statusOf(createErr) === 409) return false;
        throw createErr;
      }
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, seenAt: now };
    }
    const heldByOther = holder !== '' && holder !== this.identity;
    const duration = (spec.leaseDurationSeconds ?? durationS) * 1000;
    if (heldByOther && this.observed.seenAt + duration > now) return false;

    try {
      await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: this.identity,
            leaseDurationSeconds: durationS,
            renewTime: stamp,
            ...(holder === this.identity
              ? {}
              : { acquireTime: stamp, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
          },
        },
      });
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }
}
