export { classify, type Verdict } from './classify.js';
export { defaultPolicy, PolicyFile, PolicySchema, type ClassPolicy, type NoiseMatcher, type Policy } from './policy.js';
export { loadPolicyFile, parsePolicyYaml } from './policy-file.js';
export { Converger, type ConvergerCounters } from './state.js';
export { convergerMetrics, type ConvergerMetrics } from './service/metrics.js';
export { ConvergerRunner, type RunnerDeps, type RunnerOptions } from './service/runner.js';
export { startConvergerService, type ConvergerService, type ConvergerServiceDeps } from './service/service.js';
