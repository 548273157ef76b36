import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OomAssembler, type KernelKill } from '../src/kernel/assembler.js';
import { podFromCgroup } from '../src/kernel/cgroup.js';
import { parseOomLine } from '../src/kernel/oom-lines.js';
import { parseKernelRecord } from '../src/kernel/record.js';
import { fixtureLines, LAYOUTS } from './fixtures.js';

function killsIn(lines: readonly string[]): KernelKill[] {
  const assembler = new OomAssembler();
  const kills: KernelKill[] = [];
  for (const line of lines) {
    const record = parseKernelRecord(line);
    const kill = record && assembler.push(record);
    if (kill) kills.push(kill);
  }
  return kills;
}

describe('kernel records', () => {
  it('reads /dev/kmsg records', () => {
    expect(parseKernelRecord('6,20332,518623442410,-;oom-kill:constraint=CONSTRAINT_MEMCG')).toEqual({
      seq: 20332,
      usec: 518623442410,
      message: 'oom-kill:constraint=CONSTRAINT_MEMCG',
    });
    expect(parseKernelRecord('4,1,2,c,caller=T12;text')).toEqual({ seq: 1, usec: 2, message: 'text' });
    expect(parseKernelRecord(' SUBSYSTEM=cpu')).toBeUndefined();
  });

  it('reads dmesg lines and takes anything else whole', () => {
    expect(parseKernelRecord('[ 8123.456789] Killed process 1 (x)')).toEqual({
      usec: 8123456789,
      message: 'Killed process 1 (x)',
    });
    expect(parseKernelRecord('<3>[12.5] hello')).toEqual({ usec: 12500000, message: 'hello' });
    expect(parseKernelRecord('Jan 01 00:02:00 node-1 kernel: hello')).toEqual({
      message: 'Jan 01 00:02:00 node-1 kernel: hello',
    });
  });
});

describe('OOM lines', () => {
  it('reads the oom-kill line, values with commas included', () => {
    expect(
      parseOomLine(
        'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0-1,3,oom_memcg=/kubepods/besteffort,task_memcg=/kubepods/a,task=re port,pid=918,uid=1000',
      ),
    ).toEqual({ kind: 'oom-kill', pid: 918, task: 're port', memcg: '/kubepods/a', constraint: 'CONSTRAINT_MEMCG' });
  });

  it('reads "Killed process" with or without the memcg prefix, and "Task in"', () => {
    expect(parseOomLine('Memory cgroup out of memory: Killed process 4242 (java) total-vm:1kB')).toEqual({
      kind: 'killed',
      pid: 4242,
      task: 'java',
    });
    expect(parseOomLine('Killed process 7 (kworker/u8:2) total-vm:1kB')).toEqual({
      kind: 'killed',
      pid: 7,
      task: 'kworker/u8:2',
    });
    expect(parseOomLine('Task in /kubepods/pod1/abc killed as a result of limit of /kubepods/pod1')).toEqual({
      kind: 'task-in',
      memcg: '/kubepods/pod1/abc',
    });
  });

  it('ignores look-alikes', () => {
    for (const line of [
      'Memory cgroup out of memory: Kill process 2718 (indexer) score 1987 or sacrifice child',
      'oom_reaper: reaped process 4242 (java), now anon-rss:0kB',
      'oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/kubepods/x',
      'oom-kill:task=java,pid=0',
      'Killed process -1 (x)',
      'Memory cgroup stats for /kubepods/burstable/pod1/abc:',
    ]) {
      expect(parseOomLine(line), line).toBeUndefined();
    }
  });
});

describe('cgroup paths', () => {
  const uid = 'c349779e-e99d-4a3f-aa48-961c7a1a4af7';
  const cid = '5a8a502b143ca0dfd3a9fdbd28b45e4e2bc28fabbbec1ebe8bc33a86cff181bf';
  const u = uid.replace(/-/g, '_');
  it.each([
    ['cgroupfs Burstable', `/kubepods/burstable/pod${uid}/${cid}`],
    ['cgroupfs BestEffort', `/kubepods/besteffort/pod${uid}/${cid}`],
    ['cgroupfs Guaranteed', `/kubepods/pod${uid}/${cid}`],
    [
      'systemd Burstable containerd',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u}.slice/cri-containerd-${cid}.scope`,
    ],
    [
      'systemd BestEffort docker',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${u}.slice/docker-${cid}.scope`,
    ],
    ['systemd Guaranteed crio', `/kubepods.slice/kubepods-pod${u}.slice/crio-${cid}.scope`],
    ['nested (kind)', `/system.slice/docker-abc.scope/kubepods/burstable/pod${uid}/${cid}`],
  ])('%s', (_name, path) => {
    expect(podFromCgroup(path)).toEqual({ podUid: uid, containerId: cid });
  });

  it('names the pod alone for a pod-level cgroup, nothing outside kubepods', () => {
    expect(podFromCgroup(`/kubepods/burstable/pod${uid}`)).toEqual({ podUid: uid });
    expect(podFromCgroup(`/kubepods.slice/kubepods-pod${u}.slice`)).toEqual({ podUid: uid });
    expect(podFromCgroup('/system.slice/rsyslog.service')).toBeUndefined();
    expect(podFromCgroup(`/user.slice/pod${uid}/${cid}`)).toBeUndefined();
  });
});

describe('OOM reports, assembled', () => {
  it.each(LAYOUTS)('$file: one kill of $process in the right pod and container', ({ file, pod, process, pid }) => {
    const kills = killsIn(fixtureLines(file));
    expect(kills).toHaveLength(1);
    const [kill] = kills;
    expect(kill).toMatchObject({ pid, process });
    expect(podFromCgroup(kill!.memcg!)).toEqual({ podUid: pod.uid, containerId: pod.containerId });
  });

  it('keeps kmsg sequence numbers, or dmesg times', () => {
    expect(killsIn(fixtureLines('kmsg-v2-systemd-burstable.log'))[0]).toMatchObject({ seq: 20332, usec: 518623442410 });
    expect(killsIn(fixtureLines('dmesg-v1-cgroupfs-legacy.log'))[0]).toMatchObject({ usec: 8123457000 });
  });

  it('reports a host process killed by the global OOM killer without a pod cgroup, and ignores the rest of the noise', () => {
    const kills = killsIn(fixtureLines('noise.log'));
    expect(kills).toEqual([
      { seq: 502, usec: 2000100, pid: 677, process: 'rsyslogd', memcg: '/system.slice/rsyslog.service' },
    ]);
    expect(podFromCgroup(kills[0]!.memcg!)).toBeUndefined();
  });

  it('reads every report of a concatenated log once', () => {
    const all = LAYOUTS.flatMap((l) => fixtureLines(l.file));
    expect(killsIn(all).map((k) => k.pid)).toEqual(LAYOUTS.map((l) => l.pid));
  });
});

// ---- properties ------------------------------------------------------------------------------

const MARKERS = ['oom-kill:', 'Killed process', ' killed as a result of limit of '];

/** Pieces of real OOM reports, so generated lines come close to the real thing. */
const fragment = fc.constantFrom(
  'oom-kill',
  'oom-kill:',
  'constraint=CONSTRAINT_MEMCG',
  'task_memcg=/kubepods/burstable/pod1/2',
  'task=java',
  'pid=4242',
  'pid=',
  ',',
  '=',
  ';',
  '(',
  ')',
  '[',
  ']',
  'Killed',
  'Kill',
  'process',
  '4242',
  '(java)',
  'Task in',
  '/kubepods',
  'killed as a result',
  'Memory cgroup out of memory:',
  'invoked oom-killer:',
  '6,1,2,-;',
  '[ 1.0]',
  '<3>',
  ' ',
  '\uFFFD',
  '\uD800',
  'é',
  '\u0000',
);
const kernelish = fc
  .array(fc.oneof(fragment, fc.string({ maxLength: 8 })), { maxLength: 40 })
  .map((parts) => parts.join(''));
const anyLine = fc.oneof(
  kernelish,
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
);

describe('kernel line parser properties', () => {
  it('never throws, and any kill it yields is well formed', () => {
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 30 }), (lines) => {
        for (const kill of killsIn(lines)) {
          expect(Number.isSafeInteger(kill.pid) && kill.pid > 0).toBe(true);
          expect(kill.process.length).toBeLessThanOrEqual(64);
          if (kill.memcg !== undefined) podFromCgroup(kill.memcg);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('yields no kill from lines without the OOM markers', () => {
    const unmarked = anyLine.filter((l) => !MARKERS.some((m) => l.includes(m)));
    fc.assert(
      fc.property(fc.array(unmarked, { maxLength: 30 }), (lines) => {
        expect(killsIn(lines)).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('copes with a megabyte line', () => {
    const huge = `6,1,2,-;oom-kill:task_memcg=/kubepods/pod${'a'.repeat(1_000_000)},task=x,pid=1`;
    const started = Date.now();
    const kills = killsIn([huge, 'Killed process 1 (x)'.repeat(50_000)]);
    expect(kills).toHaveLength(1);
    expect(podFromCgroup(kills[0]!.memcg!)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
