import { parseOomLine } from './oom-lines.js';
import type { KernelRecord } from './record.js';

/** One process the kernel killed for lack of memory. */
export interface KernelKill {
  seq?: number;
  usec?: number;
  pid: number;
  process: string;
  /** The killed task's memory cgroup, when the kernel said. */
  memcg?: string;
}

/** Records within one OOM report: its memory statistics and task table come between the lines that matter. */
const REPORT_SPAN = 1_000;

/**
 * Puts the lines of an OOM report together into one kill. Kernels since 4.19 print an
 * "oom-kill:" line naming the task's cgroup, then "Killed process"; older ones name the cgroup
 * in "Task in … killed as a result of limit of …" and then print "Killed process".
 */
export class OomAssembler {
  private n = 0;
  private taskIn: { memcg: string; at: number } | undefined;
  private lastKill: { pid: number; at: number } | undefined;

  push(record: KernelRecord): KernelKill | undefined {
    const at = ++this.n;
    const line = parseOomLine(record.message);
    if (!line) return undefined;
    const where = {
      ...(record.seq !== undefined ? { seq: record.seq } : {}),
      ...(record.usec !== undefined ? { usec: record.usec } : {}),
    };
    switch (line.kind) {
      case 'invoked':
        this.taskIn = undefined;
        return undefined;
      case 'task-in':
        this.taskIn = { memcg: line.memcg, at };
        return undefined;
      case 'oom-kill':
        this.lastKill = { pid: line.pid, at };
        return { ...where, pid: line.pid, process: line.task, ...(line.memcg ? { memcg: line.memcg } : {}) };
      case 'killed': {
        // The "Killed process" line of a kill its "oom-kill:" line already reported.
        if (this.lastKill?.pid === line.pid && at - this.lastKill.at <= REPORT_SPAN) return undefined;
        const memcg = this.taskIn && at - this.taskIn.at <= REPORT_SPAN ? this.taskIn.memcg : undefined;
        this.lastKill = { pid: line.pid, at };
        this.taskIn = undefined;
        return { ...where, pid: line.pid, process: line.task, ...(memcg ? { memcg } : {}) };
      }
    }
  }
}
