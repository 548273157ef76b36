export { ACKS_TOPIC, IncidentAck } from './ack.js';
export { Alert, ALERTS_TOPIC, AlertSource, DeliveryOutcome, Labels, Notification } from './alert.js';
export { fingerprint, maskMessage, maskName, type FingerprintInput } from './fingerprint.js';
export { eventId, oomEventId } from './ids.js';
export {
  AffectedObject,
  Incident,
  INCIDENT_SCHEMA_VERSION,
  INCIDENTS_TOPIC,
  IncidentStatus,
  IncidentTransition,
  incidentId,
  KNOWN_PROBLEM_CLASSES,
  MAX_AFFECTED,
  ProblemClass,
  SEVERITIES,
  Severity,
} from './incident.js';
export { boundMessage, MAX_MESSAGE_BYTES } from './message.js';
export { quickK2Event } from './quick-k2event.js';
export {
  normalizeCoreEvent,
  normalizeCoreEventUnresolved,
  normalizeEventsV1Event,
  type NormalizeContext,
  type NormalizeResult,
  type UnresolvedResult,
} from './normalize.js';
export { EVENTS_TOPIC, K2Event, ObjectRef, OomInfo, SCHEMA_VERSION, Workload } from './schema.js';
export {
  withWorkload,
  workloadFromOwnerChain,
  type OwnerLookup,
  type OwnerReference,
  type UnresolvedK2Event,
} from './workload.js';
