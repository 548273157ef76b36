import type { Alert, Incident } from '@k2/contracts';

/**
 * A K2 incident record as an alert. The incident id is the fingerprint, so a record whose severity
 * rose updates the same alert; `seq` lets the dispatcher drop a redelivered record.
 */
export function incidentToAlert(incident: Incident, receivedAt: number): Alert {
  const resolved = incident.status === 'resolved';
  const objects = incident.affected.map((a) => `${a.kind}/${a.name}`).join(', ');
  return {
    fingerprint: incident.id,
    labels: {
      alertname: incident.class.replace(/[^a-zA-Z0-9_]/g, '_'),
      class: incident.class,
      cluster: incident.cluster,
      namespace: incident.namespace,
      workload: incident.workload.name,
      workload_kind: incident.workload.kind,
      severity: incident.severity,
      incident_id: incident.id,
      source: 'k2',
    },
    annotations: {
      summary: incident.summary,
      count: String(incident.count),
      affected: objects,
      transition: incident.transition,
      ...(incident.flapping ? { flapping: 'true' } : {}),
    },
    status: resolved ? 'resolved' : 'firing',
    startsAt: incident.firstSeen,
    ...(resolved ? { endsAt: incident.transitionAt } : {}),
    source: 'k2',
    seq: incident.seq,
    receivedAt,
  };
}
