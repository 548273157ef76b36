/** Tables of the SQLite store. Times are milliseconds since the epoch; documents are JSON. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  cluster TEXT NOT NULL,
  namespace TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  workload_kind TEXT NOT NULL,
  workload TEXT NOT NULL,
  reason TEXT NOT NULL,
  type TEXT NOT NULL,
  source TEXT NOT NULL,
  node TEXT,
  last_seen INTEGER NOT NULL,
  message TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_last_seen ON events (last_seen, id);
CREATE INDEX IF NOT EXISTS events_scope ON events (cluster, namespace, last_seen);
CREATE INDEX IF NOT EXISTS events_workload ON events (workload, workload_kind);
CREATE INDEX IF NOT EXISTS events_object ON events (name, kind);
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5 (message, content = 'events', content_rowid = 'seq');
CREATE TRIGGER IF NOT EXISTS events_fts_delete AFTER DELETE ON events BEGIN
  INSERT INTO events_fts (events_fts, rowid, message) VALUES ('delete', old.seq, old.message);
END;

CREATE TABLE IF NOT EXISTS incident_records (
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (id, seq)
);
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  cluster TEXT NOT NULL,
  namespace TEXT NOT NULL,
  workload_kind TEXT NOT NULL,
  workload TEXT NOT NULL,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  class TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  affected TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_last_seen ON incidents (last_seen, id);

CREATE TABLE IF NOT EXISTS acks (
  incident_id TEXT NOT NULL,
  at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS acks_incident ON acks (incident_id, at);

CREATE TABLE IF NOT EXISTS usage (
  at INTEGER NOT NULL,
  user TEXT NOT NULL,
  action TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_at ON usage (at);
`;
