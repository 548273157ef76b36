export {
  BusOomCheckpoint,
  FileOomCheckpoint,
  type KernelPosition,
  type OomCheckpoint,
  type OomCheckpointState,
} from './checkpoint.js';
export { KILL_REASON, SOURCE_COMPONENT } from './event.js';
export { OomAssembler, type KernelKill } from './kernel/assembler.js';
export { podFromCgroup, type CgroupPod } from './kernel/cgroup.js';
export { parseOomLine, type OomLine } from './kernel/oom-lines.js';
export { parseKernelRecord, type KernelRecord } from './kernel/record.js';
export { oomWatcherMetrics, type OomWatcherMetrics } from './metrics.js';
export { killsInPod, type ContainerKill, type PodScan } from './pod-kills.js';
export { parseMemoryQuantity } from './quantity.js';
export { KILL_ID_ANNOTATION, REPORT_REASON, reportEventName } from './report.js';
export { OomWatcher, oomWatcherOptions, type OomWatcherDeps, type OomWatcherOptions } from './watcher.js';
