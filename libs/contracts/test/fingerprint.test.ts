import { describe, expect, it } from 'vitest';
import { fingerprint, maskMessage, maskName, normalizeCoreEvent, withWorkload, type K2Event } from '../src/index.js';
import * as fx from './fixtures.js';

function normalized(raw: unknown): K2Event {
  const result = normalizeCoreEvent(raw, fx.ctx);
  if (!result.ok) throw new Error(result.error);
  return result.event;
}

const cart = { kind: 'Deployment', name: 'cart' };

describe('maskMessage', () => {
  it.each([
    [
      'Back-off restarting failed container cart in pod cart-nbbb2wbq4j-hhvkb_shop(8048dfbd-9cf7-4cbc-34f3-ad7f23f5bf63)',
      'Back-off restarting failed container cart in pod cart-*_shop(<uid>)',
    ],
    [
      'back-off 1m20s restarting failed container=ledger pod=ledger-cddp9h684m-lzjzc_billing(c349779e-e99d-4a3f-aa48-961c7a1a4af7)',
      'back-off <duration> restarting failed container=ledger pod=ledger-*_billing(<uid>)',
    ],
    [
      'Readiness probe failed: Get "http://172.16.119.51:8080/ready": dial tcp 172.16.119.51:8080: connect: connection refused',
      'Readiness probe failed: Get "http://<ip>/ready": dial tcp <ip>: connect: connection refused',
    ],
    [
      'Liveness probe failed: Get "http://[fd00:10:244::5]:8080/healthz": dial tcp [fd00:10:244::5]:8080: i/o timeout',
      'Liveness probe failed: Get "http://<ip>/healthz": dial tcp <ip>: i/o timeout',
    ],
    [
      'Successfully pulled image "registry.local/web/portal:7.1.0" in 3.2s (3.2s including waiting)',
      'Successfully pulled image "registry.local/web/portal:#" in <duration> (<duration> including waiting)',
    ],
    ['Scaled up replica set portal-kxwgpzt2xd to 6', 'Scaled up replica set portal-* to #'],
    ['Successfully assigned web/portal-kxwgpzt2xd-zb9tl to node-1.', 'Successfully assigned web/portal-* to node-*.'],
    [
      'Killing container with id containerd://e0cb3b9a14be7aea673f254a216b628fb9407d815b9bad4b24b7e05d8fa50fe8: need to restart',
      'Killing container with id <container-id>: need to restart',
    ],
    [
      'Container e0cb3b9a14be failed liveness probe, will be restarted',
      'Container <hex> failed liveness probe, will be restarted',
    ],
    [
      'Pulling image "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"',
      'Pulling image "nginx@sha256:<digest>"',
    ],
    [
      'Memory cgroup out of memory: Killed process 12345 (java) total-vm:4194304kB, anon-rss:2097152kB, oom_score_adj:998',
      'Memory cgroup out of memory: Killed process # (java) total-vm:#, anon-rss:#, oom_score_adj:#',
    ],
    [
      'created pod backup-28954320-x7k2p at 2026-01-01T00:02:00.123456Z, retried at 2026-01-01 00:05:00 +0000 UTC after 5m0s',
      'created pod backup-* at <time>, retried at <time> after <duration>',
    ],
    [
      '0/6 nodes are available: 3 Insufficient memory, limit 2Gi (95%)',
      '#/# nodes are available: # Insufficient memory, limit # (#)',
    ],
  ])('%s', (message, masked) => {
    expect(maskMessage(message)).toBe(masked);
  });

  it('leaves words, hyphenated words and versions inside identifiers alone', () => {
    const message =
      'Error: ErrImagePull; Back-off pulling image; std::vector; k8s x86_64 http2 node-role.kubernetes.io';
    expect(maskMessage(message)).toBe(message);
  });
});

describe('maskName', () => {
  it.each([
    ['cart-7d9f8c6b5-abcde', 'cart-*'],
    ['cart-nbbb2wbq4j-hhvkb', 'cart-*'],
    ['cart-7d9f8c6b5', 'cart-*'],
    ['coredns-5d78c9869d-x7k2p', 'coredns-*'],
    ['kube-proxy-x7k2p', 'kube-proxy-*'],
    ['redis-0', 'redis-*'],
    ['backup-28954320-x7k2p', 'backup-*'],
    ['web-frontend', 'web-frontend'],
    ['portal', 'portal'],
  ])('%s → %s', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});

describe('fingerprint', () => {
  it('is the same for BackOff from different pods of one Deployment, resolved or not', () => {
    const a = normalized(fx.cartBackOffHhvkb);
    const b = normalized(fx.cartBackOffR6bvk);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(withWorkload(a, cart).fingerprint).toBe(withWorkload(b, cart).fingerprint);
  });

  it('is the same for image pull failures of different pods', () => {
    expect(normalized(fx.gatewayPullFailedQwm87).fingerprint).toBe(normalized(fx.gatewayPullFailedMm26p).fingerprint);
  });

  it('does not change as the same event is counted up', () => {
    expect(normalized(fx.portalUnhealthy1).fingerprint).toBe(normalized(fx.portalUnhealthy2).fingerprint);
  });

  it('differs between reasons on the same pod', () => {
    const backOff = normalized(fx.cartBackOffHhvkb);
    const sameMessageOtherReason = normalized(fx.variant(fx.cartBackOffHhvkb, { reason: 'CrashLoopBackOff' }));
    expect(sameMessageOtherReason.fingerprint).not.toBe(backOff.fingerprint);
    expect(normalized(fx.gatewayPullBackOffMm26p).fingerprint).not.toBe(
      normalized(fx.gatewayErrImagePullQwm87).fingerprint,
    );
  });

  it('differs between workloads, namespaces and clusters', () => {
    const cartStarted = withWorkload(normalized(fx.cartStartedHhvkb), cart);
    const frontendStarted = withWorkload(normalized(fx.frontendStartedT2q8j), { kind: 'Deployment', name: 'frontend' });
    expect(frontendStarted.fingerprint).not.toBe(cartStarted.fingerprint);
    // Same message, other workload: only the workload tells them apart.
    expect(withWorkload(cartStarted, { kind: 'Deployment', name: 'cart-v2' }).fingerprint).not.toBe(
      cartStarted.fingerprint,
    );
    expect(withWorkload(cartStarted, { kind: 'StatefulSet', name: 'cart' }).fingerprint).not.toBe(
      cartStarted.fingerprint,
    );
    expect(fingerprint({ ...cartStarted, namespace: 'shop-staging' })).not.toBe(cartStarted.fingerprint);
    expect(fingerprint({ ...cartStarted, cluster: 'prod-2' })).not.toBe(cartStarted.fingerprint);
  });

  it('differs between messages that differ in more than volatile parts', () => {
    const a = normalized(fx.gatewayPullFailedQwm87);
    const otherImage = a.message.replaceAll('api/gateway', 'api/gateway-canary');
    expect(fingerprint({ ...a, message: otherImage })).not.toBe(a.fingerprint);
  });

  it('is 32 hex characters, which withWorkload recomputes', () => {
    const event = normalized(fx.cartBackOffHhvkb);
    expect(event.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    const resolved = withWorkload(event, cart);
    expect(resolved.workload).toEqual(cart);
    expect(resolved.fingerprint).toBe(fingerprint(resolved));
    expect(resolved.fingerprint).not.toBe(event.fingerprint);
  });
});
