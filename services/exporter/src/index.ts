export { BoundedLabel } from './bounded-label.js';
export {
  CadvisorParser,
  LabelSetCache,
  cadvisorReading,
  parseCadvisor,
  type CadvisorContainer,
  type CadvisorIdentity,
} from './cadvisor/parse.js';
export { CadvisorMemorySource, type CadvisorSourceOptions } from './cadvisor/source.js';
export { readCgroupMemory, type CgroupVersion } from './cgroup/files.js';
export { detectCgroupVersion, findContainerCgroups, type ContainerCgroup } from './cgroup/layout.js';
export { CgroupMemorySource, type CgroupSourceOptions } from './cgroup/source.js';
export { EventMetrics } from './events.js';
export { IncidentMetrics } from './incidents.js';
export { ExporterKubeConfig, type KubeAccess } from './kube/access.js';
export { SlimInformer, type InformerHandlers } from './kube/slim-informer.js';
export {
  usageMinusCache,
  workingSet,
  type ContainerMemory,
  type ContainerRef,
  type MemoryReading,
  type LabelMemo,
} from './memory.js';
export { MemoryMetrics } from './memory-metrics.js';
export { PodDirectory, type PodInfo } from './pods.js';
export {
  startExporterService,
  type ExporterConfig,
  type ExporterService,
  type ExporterServiceDeps,
} from './service.js';
export type { MemorySnapshot, MemorySource, TargetResult } from './source.js';
export type { WorkloadLookup } from './workload.js';
