import { describe, expect, it } from 'vitest';
import { workloadFromOwnerChain, type OwnerLookup, type OwnerReference } from '../src/index.js';
import * as fx from './fixtures.js';

const owners = (...refs: OwnerReference[]) => refs;
const ref = (kind: string, name: string, controller = true): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind,
  name,
  uid: `${kind}-${name}`,
  controller,
});

/** A lookup over a fixed set of objects, as the eventer's informer cache would answer. */
function lookupIn(objects: Record<string, OwnerReference[]>): OwnerLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = (owner: OwnerReference) => {
    calls.push(`${owner.kind}/${owner.name}`);
    return objects[`${owner.kind}/${owner.name}`];
  };
  return Object.assign(lookup, { calls });
}

describe('workloadFromOwnerChain', () => {
  it('resolves a pod through its ReplicaSet to the Deployment (real scenario objects)', () => {
    const lookup = lookupIn({
      [`ReplicaSet/${fx.cartReplicaSet.metadata.name}`]: fx.cartReplicaSet.metadata.ownerReferences,
    });
    const self = { kind: 'Pod', name: fx.cartPod.metadata.name };
    expect(workloadFromOwnerChain(self, fx.cartPod.metadata.ownerReferences, lookup)).toEqual({
      kind: 'Deployment',
      name: 'cart',
    });
    expect(lookup.calls).toEqual(['ReplicaSet/cart-nbbb2wbq4j']);
  });

  it('resolves a pod through its Job to the CronJob', () => {
    const lookup = lookupIn({ 'Job/backup-28954320': owners(ref('CronJob', 'backup')) });
    expect(
      workloadFromOwnerChain(
        { kind: 'Pod', name: 'backup-28954320-x7k2p' },
        owners(ref('Job', 'backup-28954320')),
        lookup,
      ),
    ).toEqual({
      kind: 'CronJob',
      name: 'backup',
    });
  });

  it.each(['StatefulSet', 'DaemonSet', 'Node', 'Rollout'])('takes a %s owner as it is, without a lookup', (kind) => {
    const lookup = lookupIn({});
    expect(workloadFromOwnerChain({ kind: 'Pod', name: 'p' }, owners(ref(kind, 'w')), lookup)).toEqual({
      kind,
      name: 'w',
    });
    expect(lookup.calls).toEqual([]);
  });

  it('resolves a ReplicaSet or Job itself (events about them)', () => {
    const lookup = lookupIn({});
    expect(
      workloadFromOwnerChain(
        { kind: 'ReplicaSet', name: 'cart-nbbb2wbq4j' },
        fx.cartReplicaSet.metadata.ownerReferences,
        lookup,
      ),
    ).toEqual({
      kind: 'Deployment',
      name: 'cart',
    });
  });

  it('stops at the furthest owner it can see', () => {
    // ReplicaSet not in the cache (yet): the ReplicaSet is the best answer.
    expect(workloadFromOwnerChain({ kind: 'Pod', name: 'p' }, owners(ref('ReplicaSet', 'rs')), lookupIn({}))).toEqual({
      kind: 'ReplicaSet',
      name: 'rs',
    });
    // A Job nobody owns is its own workload.
    expect(
      workloadFromOwnerChain({ kind: 'Pod', name: 'p' }, owners(ref('Job', 'once')), lookupIn({ 'Job/once': [] })),
    ).toEqual({ kind: 'Job', name: 'once' });
  });

  it('falls back to the object itself when it has no owners', () => {
    for (const none of [undefined, null, []]) {
      expect(workloadFromOwnerChain({ kind: 'Pod', name: 'debug-shell' }, none, lookupIn({}))).toEqual({
        kind: 'Pod',
        name: 'debug-shell',
      });
    }
  });

  it('follows the controller among several owners', () => {
    const refs = owners(ref('ConfigMap', 'cfg', false), ref('StatefulSet', 'db'));
    expect(workloadFromOwnerChain({ kind: 'Pod', name: 'db-0' }, refs, lookupIn({}))).toEqual({
      kind: 'StatefulSet',
      name: 'db',
    });
  });

  it('terminates on an ownership cycle', () => {
    const lookup = lookupIn({
      'ReplicaSet/a': owners(ref('ReplicaSet', 'b')),
      'ReplicaSet/b': owners(ref('ReplicaSet', 'a')),
    });
    expect(workloadFromOwnerChain({ kind: 'Pod', name: 'p' }, owners(ref('ReplicaSet', 'a')), lookup).kind).toBe(
      'ReplicaSet',
    );
    expect(lookup.calls.length).toBeLessThanOrEqual(4);
  });
});
