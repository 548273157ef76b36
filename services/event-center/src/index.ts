export { Authenticator, scopeOf, sha256Hex, type Principal } from './auth.js';
export { startEventCenterService, type EventCenterDeps, type EventCenterService } from './service.js';
export { describeStore, openStore } from './store.js';
export { StoreWriters } from './writers.js';
