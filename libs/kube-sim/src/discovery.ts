import { apiGroups, apiVersionOf, RESOURCES } from './resources.js';

/** The discovery documents kubectl and client libraries read before they touch a resource. */
export const KUBE_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-k2sim' };

export function versionInfo() {
  return {
    ...KUBE_VERSION,
    gitCommit: 'k2sim',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'n/a',
    compiler: 'k2sim',
    platform: `${process.platform}/${process.arch}`,
  };
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: apiGroups().map(({ group, versions }) => {
      const gvs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
      return { name: group, versions: gvs, preferredVersion: gvs[0] };
    }),
  };
}

export function apiGroup(group: string) {
  return apiGroupList().groups.find((g) => g.name === group);
}

export function apiResourceList(group: string, version: string) {
  const own = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (own.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(own[0]!),
    resources: own.map((r) => ({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    })),
  };
}
