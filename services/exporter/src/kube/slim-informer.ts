import { ListWatch, Watch, type KubeConfig } from '@kubernetes/client-node';
import { fetchWithKubeConfig } from './fetch.js';

/** What every kept object has: ListWatch files objects by name and namespace and compares versions. */
export interface SlimMeta {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

/** An object as the API serves it (JSON), before it is slimmed. */
export interface RawObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  [field: string]: unknown;
}

export type Slimmer<T extends SlimMeta> = (object: RawObject) => T;

/** The metadata a slim object keeps. */
export function slimMeta(o: RawObject): SlimMeta['metadata'] {
  return {
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace,
    resourceVersion: o.metadata?.resourceVersion,
  };
}

/** client-node's Watch, handing on each object slimmed (errors and bookmarks as they are). */
class SlimWatch<T extends SlimMeta> extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly slim: Slimmer<T>,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, object: unknown, watchObject?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      query,
      (phase, object: RawObject) =>
        callback(phase, phase === 'ERROR' || phase === 'BOOKMARK' ? object : this.slim(object)),
      done,
    );
  }
}

const PAGE = 500;

/**
 * client-node's ListWatch (list, watch from the list's version, list again after 410 Gone) that
 * caches only what `slim` keeps of each object: a Pod is a few KB as the API serves it and a
 * hundred bytes slimmed, and a node or cluster has tens of thousands. The list is read in pages
 * of plain JSON, so the whole collection is never held at once.
 */
export function slimInformer<T extends SlimMeta>(
  kc: KubeConfig,
  path: string,
  slim: Slimmer<T>,
  fieldSelector?: string,
): ListWatch<T> {
  const list = async () => {
    const server = kc.getCurrentCluster()?.server.replace(/\/+$/, '') ?? '';
    const items: T[] = [];
    let resourceVersion = '';
    let next = '';
    do {
      const url = new URL(server + path);
      url.searchParams.set('limit', String(PAGE));
      if (next) url.searchParams.set('continue', next);
      if (fieldSelector) url.searchParams.set('fieldSelector', fieldSelector);
      const page = JSON.parse(
        await fetchWithKubeConfig(kc, url.toString(), 60_000, { accept: 'application/json' }),
      ) as {
        metadata?: { resourceVersion?: string; continue?: string };
        items?: RawObject[];
      };
      for (const item of page.items ?? []) items.push(slim(item));
      resourceVersion = page.metadata?.resourceVersion ?? '';
      next = page.metadata?.continue ?? '';
    } while (next);
    return { metadata: { resourceVersion }, items };
  };
  return new ListWatch(path, new SlimWatch(kc, slim), list as never, false, undefined, fieldSelector);
}
