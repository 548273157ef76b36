export { ADMIN_RULES, type Rule, type SimUser } from './auth.js';
export { systemClock, VirtualClock, type Clock } from './clock.js';
export { Cluster } from './cluster.js';
export { kubeconfig, writeKubeconfig } from './kubeconfig.js';
export { memoryLineSchema, SimKubelet, type ContainerMemoryLine } from './kubelet.js';
export { ScenarioPlayer, type PlayerOptions } from './player.js';
export { RESOURCES, type ResourceType } from './resources.js';
export {
  loadScenario,
  parseScenario,
  ScenarioError,
  type MemoryScenarioLine,
  type Scenario,
  type ScenarioLine,
} from './scenario.js';
export { ApiServer, type ApiServerOptions } from './server.js';
export { KubeSimulator, type SimulatorOptions } from './simulator.js';
export { ObjectStore, type Change } from './store.js';
export type { KubeObject, ObjectMeta } from './types.js';
export { ScenarioBuilder, type ContainerState, type EventTarget, type PodRef } from './builder.js';
export {
  GENERATED_SCENARIOS,
  crashloop200,
  evictions,
  failedMount,
  livenessKills,
  nodeNotReady,
  OWN_SCENARIOS,
  type OwnScenarioName,
} from './scenarios.js';
export { demoScenario } from './demo.js';
export { servingCert, type ServingCert } from './tls.js';
