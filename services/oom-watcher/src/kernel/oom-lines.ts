/** A kernel message that takes part in an OOM kill report. */
export type OomLine =
  /** "… invoked oom-killer: …": a new report begins. */
  | { kind: 'invoked' }
  /** Older kernels: "Task in <memcg> killed as a result of limit of <memcg>". */
  | { kind: 'task-in'; memcg: string }
  /** 4.19+: "oom-kill:constraint=…,oom_memcg=…,task_memcg=…,task=java,pid=1234,uid=0". */
  | { kind: 'oom-kill'; pid: number; task: string; memcg?: string; constraint?: string }
  /** "[Memory cgroup out of memory: ]Killed process 1234 (java) total-vm:…". */
  | { kind: 'killed'; pid: number; task: string };

const MAX_TASK = 64;

const OOM_KILL = /\boom-kill:(.*)$/;
const KILLED = /\bKilled process (\d{1,10}) \((.{0,64}?)\)(?=[ ,]|$)/;
const TASK_IN = /\bTask in (\S{1,4096}) killed as a result of limit of /;

function pid(text: string | undefined): number | undefined {
  if (!text || !/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}

/**
 * "key=value,key=value" where a value may itself contain commas (mems_allowed=0,2): a piece
 * without "key=" continues the previous value.
 */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const piece of text.split(',')) {
    const m = /^([a-z_]{1,32})=(.*)$/.exec(piece);
    if (m) {
      last = m[1]!;
      out.set(last, m[2]!);
    } else if (last !== undefined) {
      out.set(last, `${out.get(last)},${piece}`);
    }
  }
  return out;
}

/** Classifies a kernel message; undefined for everything that is not part of an OOM kill. */
export function parseOomLine(message: string): OomLine | undefined {
  const o = OOM_KILL.exec(message);
  if (o) {
    const f = fields(o[1]!);
    const p = pid(f.get('pid'));
    const task = f.get('task');
    if (p === undefined || task === undefined) return undefined;
    const memcg = f.get('task_memcg') || f.get('oom_memcg');
    const constraint = f.get('constraint');
    return {
      kind: 'oom-kill',
      pid: p,
      task: task.slice(0, MAX_TASK),
      ...(memcg ? { memcg } : {}),
      ...(constraint ? { constraint } : {}),
    };
  }
  const k = KILLED.exec(message);
  if (k) {
    const p = pid(k[1]);
    return p === undefined ? undefined : { kind: 'killed', pid: p, task: k[2]! };
  }
  const t = TASK_IN.exec(message);
  if (t) return { kind: 'task-in', memcg: t[1]! };
  if (message.includes(' invoked oom-killer:')) return { kind: 'invoked' };
  return undefined;
}
