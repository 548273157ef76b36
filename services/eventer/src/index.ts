export { BusCheckpoint, FileCheckpoint, type Checkpoint, type CheckpointState } from './checkpoint.js';
export { Eventer, EVENTS_TOPIC, type EventerDeps, type EventerOptions } from './eventer.js';
export { compileRule, eventFilter, type FilterRule } from './filters.js';
export { LeaderElector, type LeaderElectionOptions } from './leader.js';
export { eventerMetrics, type EventerMetrics } from './metrics.js';
export { OccurrenceLog } from './occurrences.js';
export { OwnerResolver } from './owners.js';
export { startEventerService, type EventerService, type EventerServiceDeps } from './service.js';
