import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function fixtureLines(name: string): string[] {
  return readFileSync(`${FIXTURES}${name}`, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** The pods the kernel fixtures name, all on node-1 (ledger is the oom-java scenario's pod). */
export const FIXTURE_PODS = {
  ledger: {
    namespace: 'billing',
    name: 'ledger-cddp9h684m-lzjzc',
    uid: 'c349779e-e99d-4a3f-aa48-961c7a1a4af7',
    container: 'ledger',
    containerId: '5a8a502b143ca0dfd3a9fdbd28b45e4e2bc28fabbbec1ebe8bc33a86cff181bf',
    limit: '2Gi',
  },
  report: {
    namespace: 'batch',
    name: 'report-gen-5d8f7b9c4-x2kqp',
    uid: '5f1b7e0a-3c2d-4e8f-9a6b-1c2d3e4f5a6b',
    container: 'report',
    containerId: '845e91831319e89c4d656bdb80c278ac09a7230d61e5dfd2e1b1fbb436ac8917',
    limit: undefined,
  },
  indexer: {
    namespace: 'search',
    name: 'indexer-0',
    uid: '0d6f3a2b-7c81-4f5e-b2a9-8e7d6c5b4a39',
    container: 'indexer',
    containerId: '70fa78e5ae55563976b332a6da662e9877dc6ed6965f676453d8f4a35ebdf483',
    limit: '512Mi',
  },
  trainer: {
    namespace: 'ml',
    name: 'trainer-7f9c8d6b5-q8w2z',
    uid: 'a1b2c3d4-e5f6-4789-8abc-def012345678',
    container: 'trainer',
    containerId: '06ea17a8981d25b0315ff17bd1ebad3d95c15a3f8b764eaadb93612d9b61a54e',
    limit: '4Gi',
  },
} as const;

export type FixturePod = (typeof FIXTURE_PODS)[keyof typeof FIXTURE_PODS];

/** Each layout's fixture, the pod it maps to and the process killed. */
export const LAYOUTS = [
  { file: 'kmsg-v2-systemd-burstable.log', pod: FIXTURE_PODS.ledger, process: 'java', pid: 4242 },
  { file: 'kmsg-v1-cgroupfs-besteffort.log', pod: FIXTURE_PODS.report, process: 'report', pid: 918 },
  { file: 'kmsg-v1-systemd-besteffort.log', pod: FIXTURE_PODS.report, process: 'report', pid: 918 },
  { file: 'kmsg-v2-cgroupfs-guaranteed.log', pod: FIXTURE_PODS.trainer, process: 'trainer', pid: 12 },
  { file: 'dmesg-v1-cgroupfs-legacy.log', pod: FIXTURE_PODS.indexer, process: 'indexer', pid: 2718 },
  { file: 'dmesg-v2-systemd-guaranteed.log', pod: FIXTURE_PODS.trainer, process: 'python3', pid: 31337 },
] as const;
