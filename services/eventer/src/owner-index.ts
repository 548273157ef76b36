import type { OwnerReference } from '@k2/contracts';

/** An object's controlling owner as the owner chain reads it: one reference, or none. */
export type Owners = readonly OwnerReference[];

/**
 * Owners by namespace, then name. Two levels rather than one `namespace/name` key, because every
 * event is looked up several times (pod, ReplicaSet) and a key built per lookup is a new string
 * to allocate and hash; the event's own name strings are hashed once and remember it.
 */
export class OwnerIndex {
  private readonly byNamespace = new Map<string, Map<string, Owners>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(namespace: string, name: string): Owners | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  set(namespace: string, name: string, owners: Owners): void {
    let names = this.byNamespace.get(namespace);
    if (!names) this.byNamespace.set(namespace, (names = new Map()));
    if (!names.has(name)) this.count++;
    names.set(name, owners);
  }

  delete(namespace: string, name: string): void {
    const names = this.byNamespace.get(namespace);
    if (!names?.delete(name)) return;
    this.count--;
    if (names.size === 0) this.byNamespace.delete(namespace);
  }
}
