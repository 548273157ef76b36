/**
 * Real objects from the shared scenarios (crashloop-storm, image-pull, benign-rollout, oom-java),
 * copied verbatim so these tests do not depend on files outside the package.
 */

/** crashloop-storm: two pods of Deployment shop/cart back off. */
export const cartBackOffHhvkb = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'cart-nbbb2wbq4j-hhvkb.9a80bc28c080a81a',
    namespace: 'shop',
    uid: '9a934caa-137b-7d26-c282-e6c583bcc088',
    creationTimestamp: '2026-01-01T00:02:00Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'cart-nbbb2wbq4j-hhvkb',
    namespace: 'shop',
    uid: '8048dfbd-9cf7-4cbc-34f3-ad7f23f5bf63',
    fieldPath: 'spec.containers{cart}',
  },
  reason: 'BackOff',
  message:
    'Back-off restarting failed container cart in pod cart-nbbb2wbq4j-hhvkb_shop(8048dfbd-9cf7-4cbc-34f3-ad7f23f5bf63)',
  source: { component: 'kubelet', host: 'node-6' },
  firstTimestamp: '2026-01-01T00:02:00Z',
  lastTimestamp: '2026-01-01T00:02:00Z',
  count: 1,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-6',
};
export const cartBackOffR6bvk = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'cart-nbbb2wbq4j-r6bvk.ca67a4021f7eb4a8',
    namespace: 'shop',
    uid: '3b6268ff-dad5-127c-4a1e-29ca81de6c79',
    creationTimestamp: '2026-01-01T00:02:02Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'cart-nbbb2wbq4j-r6bvk',
    namespace: 'shop',
    uid: '39622f41-95e2-ccbb-f940-7cd6cdb8f23f',
    fieldPath: 'spec.containers{cart}',
  },
  reason: 'BackOff',
  message:
    'Back-off restarting failed container cart in pod cart-nbbb2wbq4j-r6bvk_shop(39622f41-95e2-ccbb-f940-7cd6cdb8f23f)',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:02:02Z',
  lastTimestamp: '2026-01-01T00:02:02Z',
  count: 1,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};
export const cartStartedHhvkb = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'cart-nbbb2wbq4j-hhvkb.3ba475027e8bb328',
    namespace: 'shop',
    uid: 'e5d9f313-8983-489b-7261-b10222d84f2a',
    creationTimestamp: '2026-01-01T00:02:10Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'cart-nbbb2wbq4j-hhvkb',
    namespace: 'shop',
    uid: '8048dfbd-9cf7-4cbc-34f3-ad7f23f5bf63',
    fieldPath: 'spec.containers{cart}',
  },
  reason: 'Started',
  message: 'Started container cart',
  source: { component: 'kubelet', host: 'node-6' },
  firstTimestamp: '2026-01-01T00:02:10Z',
  lastTimestamp: '2026-01-01T00:02:10Z',
  count: 1,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-6',
};
/** crashloop-storm: shop/frontend, a healthy Deployment in the same namespace. */
export const frontendStartedT2q8j = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'frontend-gx87dlft7s-t2q8j.27ab6485694cdd4e',
    namespace: 'shop',
    uid: '1a6c305c-9a9e-6dc3-9837-3192a57addb7',
    creationTimestamp: '2026-01-01T00:00:06Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'frontend-gx87dlft7s-t2q8j',
    namespace: 'shop',
    uid: 'c181c3f8-09a7-40ac-95e0-df1aa2e4b3d0',
    fieldPath: 'spec.containers{frontend}',
  },
  reason: 'Started',
  message: 'Started container frontend',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:00:06Z',
  lastTimestamp: '2026-01-01T00:00:06Z',
  count: 1,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};

/** image-pull: two pods of Deployment api/gateway fail to pull the same missing tag. */
export const gatewayPullFailedQwm87 = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'gateway-kmf6qtgddb-qwm87.9c4aeab8554d4430',
    namespace: 'api',
    uid: 'd05607f3-0c4c-3955-0ec7-4f1a63707b60',
    creationTimestamp: '2026-01-01T00:01:01Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'gateway-kmf6qtgddb-qwm87',
    namespace: 'api',
    uid: 'cb50e892-b6fa-942c-5475-1995b26eb46f',
    fieldPath: 'spec.containers{gateway}',
  },
  reason: 'Failed',
  message:
    'Failed to pull image "registry.local/api/gateway:4.2.0": rpc error: code = NotFound desc = failed to pull and unpack image "registry.local/api/gateway:4.2.0": not found',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:01:01Z',
  lastTimestamp: '2026-01-01T00:01:01Z',
  count: 1,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};
export const gatewayPullFailedMm26p = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'gateway-kmf6qtgddb-mm26p.f103c296c4ae51e6',
    namespace: 'api',
    uid: '1bd948d5-5aad-8197-7e5f-dc41304d0238',
    creationTimestamp: '2026-01-01T00:01:02Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'gateway-kmf6qtgddb-mm26p',
    namespace: 'api',
    uid: '26569e69-6e07-d1a6-24df-48c74fed73b4',
    fieldPath: 'spec.containers{gateway}',
  },
  reason: 'Failed',
  message:
    'Failed to pull image "registry.local/api/gateway:4.2.0": rpc error: code = NotFound desc = failed to pull and unpack image "registry.local/api/gateway:4.2.0": not found',
  source: { component: 'kubelet', host: 'node-2' },
  firstTimestamp: '2026-01-01T00:01:02Z',
  lastTimestamp: '2026-01-01T00:01:02Z',
  count: 1,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-2',
};
export const gatewayErrImagePullQwm87 = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'gateway-kmf6qtgddb-qwm87.419ec6dd50bb8368',
    namespace: 'api',
    uid: '9bc741cd-f47c-c716-be31-bba552c370c9',
    creationTimestamp: '2026-01-01T00:01:01Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'gateway-kmf6qtgddb-qwm87',
    namespace: 'api',
    uid: 'cb50e892-b6fa-942c-5475-1995b26eb46f',
    fieldPath: 'spec.containers{gateway}',
  },
  reason: 'Failed',
  message: 'Error: ErrImagePull',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:01:01Z',
  lastTimestamp: '2026-01-01T00:01:01Z',
  count: 1,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};
export const gatewayPullBackOffMm26p = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'gateway-kmf6qtgddb-mm26p.1b47833fd6af05e1',
    namespace: 'api',
    uid: 'f146bf83-012a-4e3e-2b7a-56640bd182cd',
    creationTimestamp: '2026-01-01T00:01:03Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'gateway-kmf6qtgddb-mm26p',
    namespace: 'api',
    uid: '26569e69-6e07-d1a6-24df-48c74fed73b4',
    fieldPath: 'spec.containers{gateway}',
  },
  reason: 'BackOff',
  message: 'Back-off pulling image "registry.local/api/gateway:4.2.0"',
  source: { component: 'kubelet', host: 'node-2' },
  firstTimestamp: '2026-01-01T00:01:03Z',
  lastTimestamp: '2026-01-01T00:01:03Z',
  count: 1,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-2',
};

/** benign-rollout: one readiness-probe event, created and then updated to count 2. */
export const portalUnhealthy1 = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'portal-kxwgpzt2xd-zb9tl.fd56b2c2a4981ec2',
    namespace: 'web',
    uid: '254d77d9-e9ce-ab8d-f963-e5f13b88b367',
    creationTimestamp: '2026-01-01T00:00:07Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'portal-kxwgpzt2xd-zb9tl',
    namespace: 'web',
    uid: '37d90d41-a165-b208-1aa2-8835a1e9e881',
    fieldPath: 'spec.containers{portal}',
  },
  reason: 'Unhealthy',
  message:
    'Readiness probe failed: Get "http://172.16.119.51:8080/ready": dial tcp 172.16.119.51:8080: connect: connection refused',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:00:07Z',
  lastTimestamp: '2026-01-01T00:00:07Z',
  count: 1,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};
export const portalUnhealthy2 = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'portal-kxwgpzt2xd-zb9tl.fd56b2c2a4981ec2',
    namespace: 'web',
    uid: '254d77d9-e9ce-ab8d-f963-e5f13b88b367',
    creationTimestamp: '2026-01-01T00:00:07Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'portal-kxwgpzt2xd-zb9tl',
    namespace: 'web',
    uid: '37d90d41-a165-b208-1aa2-8835a1e9e881',
    fieldPath: 'spec.containers{portal}',
  },
  reason: 'Unhealthy',
  message:
    'Readiness probe failed: Get "http://172.16.119.51:8080/ready": dial tcp 172.16.119.51:8080: connect: connection refused',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:00:07Z',
  lastTimestamp: '2026-01-01T00:00:12Z',
  count: 2,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};
/** benign-rollout: events about a Deployment and a ReplicaSet. */
export const portalScaled = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'portal.b84068a84c5962fb',
    namespace: 'web',
    uid: '0353554c-e3cc-ac71-4f8e-065247634903',
    creationTimestamp: '2026-01-01T00:00:01Z',
  },
  involvedObject: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'portal',
    namespace: 'web',
    uid: 'e71aa4df-7e76-5b30-c904-6004a8ed6ebf',
  },
  reason: 'ScalingReplicaSet',
  message: 'Scaled up replica set portal-kxwgpzt2xd to 6',
  source: { component: 'deployment-controller' },
  firstTimestamp: '2026-01-01T00:00:01Z',
  lastTimestamp: '2026-01-01T00:00:01Z',
  count: 1,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'deployment-controller',
  reportingInstance: '',
};
export const portalCreatedPod = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'portal-kxwgpzt2xd.af6c07fd0b614d87',
    namespace: 'web',
    uid: 'f802ed61-24a4-dcef-590e-8e092e80e317',
    creationTimestamp: '2026-01-01T00:00:01Z',
  },
  involvedObject: {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: 'portal-kxwgpzt2xd',
    namespace: 'web',
    uid: 'a61f3396-0ddc-01d8-df2b-a1e9ab088fff',
  },
  reason: 'SuccessfulCreate',
  message: 'Created pod: portal-kxwgpzt2xd-zb9tl',
  source: { component: 'replicaset-controller' },
  firstTimestamp: '2026-01-01T00:00:01Z',
  lastTimestamp: '2026-01-01T00:00:01Z',
  count: 1,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'replicaset-controller',
  reportingInstance: '',
};

/** oom-java: the OOM-killed ledger container backs off; the same event at count 1, 2, 3. */
export const ledgerBackOff = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: 'ledger-cddp9h684m-lzjzc.0e345b6e2e7f278a',
    namespace: 'billing',
    uid: '0b91d502-1daf-6b14-41b8-a4d8faf781aa',
    creationTimestamp: '2026-01-01T00:02:00Z',
  },
  involvedObject: {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'ledger-cddp9h684m-lzjzc',
    namespace: 'billing',
    uid: 'c349779e-e99d-4a3f-aa48-961c7a1a4af7',
    fieldPath: 'spec.containers{ledger}',
  },
  reason: 'BackOff',
  message:
    'Back-off restarting failed container ledger in pod ledger-cddp9h684m-lzjzc_billing(c349779e-e99d-4a3f-aa48-961c7a1a4af7)',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:02:00Z',
  lastTimestamp: '2026-01-01T00:06:00Z',
  count: 2,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};

/** crashloop-storm: a cart pod and its ReplicaSet, for owner resolution. */
export const cartPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'cart-nbbb2wbq4j-r6bvk',
    namespace: 'shop',
    uid: '39622f41-95e2-ccbb-f940-7cd6cdb8f23f',
    creationTimestamp: '2025-12-31T23:52:00Z',
    labels: { app: 'cart', 'pod-template-hash': 'nbbb2wbq4j' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'cart-nbbb2wbq4j',
        uid: 'd36fe267-a802-bef7-a017-478ee5988774',
        controller: true,
      },
    ],
  },
};
export const cartReplicaSet = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: 'cart-nbbb2wbq4j',
    namespace: 'shop',
    uid: 'd36fe267-a802-bef7-a017-478ee5988774',
    creationTimestamp: '2025-12-31T22:52:00Z',
    labels: { app: 'cart', 'pod-template-hash': 'nbbb2wbq4j' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'cart',
        uid: 'f8f126ce-5247-952d-36e1-3b35f2dd90c8',
        controller: true,
      },
    ],
  },
  spec: { replicas: 20 },
};

/**
 * The hhvkb BackOff as events.k8s.io/v1 shows it once it has repeated: written in the shape a
 * kubelet produces (the scenarios only hold core/v1 Events).
 */
export const cartBackOffSeriesV1 = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: {
    name: 'cart-nbbb2wbq4j-hhvkb.181a2b3c4d5e6f70',
    namespace: 'shop',
    uid: '6c1f0a52-3b7e-4d8a-9f21-0e5d4c3b2a19',
    creationTimestamp: '2026-01-01T00:02:00Z',
  },
  eventTime: '2026-01-01T00:02:00.123456Z',
  series: { count: 5, lastObservedTime: '2026-01-01T00:07:00.654321Z' },
  reportingController: 'kubelet',
  reportingInstance: 'node-6',
  action: 'Restarting',
  reason: 'BackOff',
  regarding: {
    kind: 'Pod',
    namespace: 'shop',
    name: 'cart-nbbb2wbq4j-hhvkb',
    uid: '8048dfbd-9cf7-4cbc-34f3-ad7f23f5bf63',
    apiVersion: 'v1',
    fieldPath: 'spec.containers{cart}',
  },
  note: 'Back-off restarting failed container cart in pod cart-nbbb2wbq4j-hhvkb_shop(8048dfbd-9cf7-4cbc-34f3-ad7f23f5bf63)',
  type: 'Warning',
  deprecatedSource: { component: 'kubelet', host: 'node-6' },
  deprecatedFirstTimestamp: null,
  deprecatedLastTimestamp: null,
  deprecatedCount: 0,
};

/** A deep copy with top-level fields replaced, for variations on a real event. */
export function variant<T extends object>(event: T, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(event), ...changes };
}

export const ctx = { cluster: 'prod-1' };
