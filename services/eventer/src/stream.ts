import { CoreV1Api, type KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from '@k2/log';
import { watch, type WatchRequest } from './watch.js';

/**
 * What the stream hands on: an event object, or the resourceVersion reached once all before it
 * are handed on. A watched event carries that version itself (its own): no mark of its own.
 */
export type StreamItem =
  | {
      kind: 'event';
      object: CoreV1Event;
      origin: 'list' | 'watch';
      firstList: boolean;
      scope?: string;
      resourceVersion?: string;
    }
  | { kind: 'mark'; scope: string; resourceVersion: string };

export interface StreamHooks {
  onItem(item: StreamItem): void;
  onRelist(reason: 'start' | 'expired'): void;
  onWatchRestart(): void;
  onExpired(): void;
}

export interface EventStreamOptions {
  /** Watch one namespace, or all when undefined. */
  namespace?: string;
  /** Resume from here; undefined lists first. */
  resourceVersion?: string;
  /** true when there is no checkpoint: the first list is subject to maxEventAge. */
  firstStart: boolean;
  pageSize?: number;
}

/**
 * List-then-watch of core/v1 Events with the resourceVersion under the caller's control: it can
 * pause (the watch is closed, the version kept) and resume, and a 410 leads to a relist.
 */
export class EventStream {
  private resourceVersion: string | undefined;
  private request: WatchRequest | undefined;
  private running = false;
  private held = false;
  private firstList: boolean;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private generation = 0;
  private watchingListeners: (() => void)[] = [];
  private watching = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: EventStreamOptions,
    private readonly hooks: StreamHooks,
    private readonly log: Logger,
  ) {
    this.resourceVersion = options.resourceVersion;
    this.firstList = options.firstStart;
  }

  /** The namespace watched, or '' for all. */
  get scope(): string {
    return this.options.namespace ?? '';
  }

  /** Resolves once a watch is established (after the first list, if one was needed). */
  established(): Promise<void> {
    if (this.watching) return Promise.resolve();
    return new Promise((resolve) => this.watchingListeners.push(resolve));
  }

  get paused(): boolean {
    return !this.running;
  }

  resume(): void {
    if (this.running) return;
    this.running = true;
    void this.connect(this.generation);
  }

  /**
   * Stops reading for now but keeps the watch open (TCP holds what the server sends meanwhile):
   * for a queue that is merely busy, where closing and reopening the watch costs both sides more.
   */
  hold(): void {
    this.held = true;
    this.request?.hold();
  }

  release(): void {
    this.held = false;
    this.request?.release();
  }

  /** Closes the watch, keeping its resourceVersion to resume from. */
  pause(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.request?.abort();
    this.request = undefined;
  }

  private path(): string {
    return this.options.namespace ? `/api/v1/namespaces/${this.options.namespace}/events` : '/api/v1/events';
  }

  private async connect(generation: number): Promise<void> {
    if (generation !== this.generation) return;
    try {
      if (!this.resourceVersion) await this.list(generation);
      if (generation !== this.generation) return;
      let expired = false;
      this.request = await watch(
        this.kc,
        this.path(),
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
        (type, object) => {
          const obj = object as CoreV1Event & { code?: number };
          if (generation !== this.generation) return;
          if (type === 'ERROR') {
            // 410: compacted away; "too large": a version this API server never issued. Both need a relist.
            const message = (obj as { message?: string }).message ?? '';
            if (obj.code === 410 || /too large resource version/i.test(message)) expired = true;
            return;
          }
          const rv = obj.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          if ((type === 'ADDED' || type === 'MODIFIED') && obj.metadata) {
            this.hooks.onItem({
              kind: 'event',
              object: obj,
              origin: 'watch',
              firstList: false,
              scope: this.scope,
              resourceVersion: rv,
            });
          } else if (rv) {
            this.hooks.onItem({ kind: 'mark', scope: this.scope, resourceVersion: rv });
          }
        },
        (err) => this.ended(generation, err, expired),
      );
      if (this.held) this.request.hold();
      this.failures = 0;
      this.watching = true;
      for (const resolve of this.watchingListeners.splice(0)) resolve();
    } catch (err) {
      this.ended(generation, err, (err as { code?: number }).code === 410);
    }
  }

  private ended(generation: number, err: unknown, expired: boolean): void {
    if (generation !== this.generation || !this.running) return;
    this.request = undefined;
    if (expired) {
      this.hooks.onExpired();
      this.resourceVersion = undefined;
    }
    this.hooks.onWatchRestart();
    const delay = err && !expired ? Math.min(30_000, 250 * 2 ** Math.min(this.failures++, 7)) : 0;
    if (err && !expired)
      this.log.warn(
        { err: String(err), namespace: this.options.namespace, delayMs: delay },
        'event watch failed; retrying',
      );
    this.retryTimer = setTimeout(() => void this.connect(generation), delay);
  }

  private async list(generation: number): Promise<void> {
    this.hooks.onRelist(this.firstList ? 'start' : 'expired');
    const core = this.kc.makeApiClient(CoreV1Api);
    let cont: string | undefined;
    let rv = '';
    do {
      const page = this.options.namespace
        ? await core.listNamespacedEvent({
            namespace: this.options.namespace,
            limit: this.options.pageSize ?? 500,
            _continue: cont,
          })
        : await core.listEventForAllNamespaces({ limit: this.options.pageSize ?? 500, _continue: cont });
      if (generation !== this.generation) return;
      // The typed list turns timestamps into Date objects; the watch hands on wire JSON. Keep one form.
      for (const item of page.items) {
        const object = JSON.parse(JSON.stringify(item)) as CoreV1Event;
        this.hooks.onItem({ kind: 'event', object, origin: 'list', firstList: this.firstList });
      }
      cont = page.metadata?._continue;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont);
    this.firstList = false;
    this.resourceVersion = rv;
    this.hooks.onItem({ kind: 'mark', scope: this.scope, resourceVersion: rv });
  }
}
