import type Database from 'better-sqlite3';

/** Rows written (or deleted) by one statement at most. */
const ROWS_PER_STATEMENT = 32;

/**
 * A table of JSON states by key (`id INTEGER PRIMARY KEY, key, state`) with no index on the key:
 * the key's row id is kept in memory, so a new row is appended to the table's last page. Keys are
 * hashes; with an index each new row dirtied a random index page (4 KB of WAL per row, several
 * rows per notification), which made commits the dispatcher's largest cost.
 *
 * Inside a transaction, writes are gathered and made by `flush()` before the commit, up to
 * ROWS_PER_STATEMENT rows per statement (one statement per row cost more than the rows: about a
 * quarter of the table's time per notification, measured). Outside one they are made at once.
 */
export class RowTable {
  private readonly ids = new Map<string, number>();
  private readonly stmts;
  /** Row id → its new `[key, state]`, or null to delete it; written by `flush()`. */
  private readonly pending = new Map<number, readonly [string, string] | null>();
  private nextId = 1;
  private readonly upserts = new Map<number, Database.Statement>();
  private readonly removals = new Map<number, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    readonly name: string,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${name} (id INTEGER PRIMARY KEY, key TEXT NOT NULL, state TEXT NOT NULL)`);
    this.stmts = {
      remove: db.prepare(`DELETE FROM ${name} WHERE id = ?`),
      keys: db.prepare(`SELECT id, key FROM ${name} ORDER BY id`),
      all: db.prepare(`SELECT id, key, state FROM ${name} ORDER BY id`),
      maxId: db.prepare(`SELECT COALESCE(MAX(id), 0) AS id FROM ${name}`),
    };
  }

  /** `INSERT OR REPLACE` of `n` rows by id (a new key's id is assigned here, so inserts and updates go together). */
  private upsert(n: number): Database.Statement {
    let stmt = this.upserts.get(n);
    if (!stmt) {
      const rows = Array.from({ length: n }, () => '(?, ?, ?)').join(', ');
      stmt = this.db.prepare(`INSERT OR REPLACE INTO ${this.name} (id, key, state) VALUES ${rows}`);
      this.upserts.set(n, stmt);
    }
    return stmt;
  }

  private removal(n: number): Database.Statement {
    let stmt = this.removals.get(n);
    if (!stmt) {
      stmt = this.db.prepare(
        `DELETE FROM ${this.name} WHERE id IN (${Array.from({ length: n }, () => '?').join(', ')})`,
      );
      this.removals.set(n, stmt);
    }
    return stmt;
  }

  /** Moves the rows of an earlier version's table (`keyColumn` its primary key) in here, once. */
  adopt(legacy: string, keyColumn: string, stateColumn: string, orderBy: string): void {
    const found = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(legacy);
    if (!found) return;
    this.db.transaction(() => {
      this.db.exec(
        `INSERT INTO ${this.name} (key, state) SELECT ${keyColumn}, ${stateColumn} FROM ${legacy} ORDER BY ${orderBy}`,
      );
      this.db.exec(`DROP TABLE ${legacy}`);
    })();
  }

  /** Every state, oldest row first. A key written twice (never, but cheap to be sure of) keeps its last row. */
  load(): string[] {
    const rows = this.stmts.all.all() as { id: number; key: string; state: string }[];
    const last = new Map<string, { id: number; state: string }>();
    const stale: number[] = [];
    for (const r of rows) {
      const prev = last.get(r.key);
      if (prev) stale.push(prev.id);
      last.set(r.key, r);
    }
    for (const id of stale) this.stmts.remove.run(id);
    this.ids.clear();
    for (const [key, r] of last) this.ids.set(key, r.id);
    this.pending.clear();
    this.nextId = Math.max(this.nextId, rows.length > 0 ? rows[rows.length - 1]!.id + 1 : 1);
    return [...last.values()].sort((a, b) => a.id - b.id).map((r) => r.state);
  }

  has(key: string): boolean {
    return this.ids.has(key);
  }

  put(key: string, state: string): void {
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.nextId++));
    this.pending.set(id, [key, state]);
    if (!this.db.inTransaction) this.flush();
  }

  delete(key: string): void {
    const id = this.ids.get(key);
    if (id === undefined) return;
    this.ids.delete(key);
    this.pending.set(id, null);
    if (!this.db.inTransaction) this.flush();
  }

  /** Makes the gathered writes; the store calls it at the end of each transaction. */
  flush(): void {
    if (this.pending.size === 0) return;
    const rows: (string | number)[] = [];
    const gone: number[] = [];
    for (const [id, row] of this.pending) {
      if (row) rows.push(id, row[0], row[1]);
      else gone.push(id);
    }
    this.pending.clear();
    // Each id once, with its last change (ids are never handed out twice): the order does not matter.
    for (let i = 0; i < gone.length; i += ROWS_PER_STATEMENT) {
      const chunk = gone.slice(i, i + ROWS_PER_STATEMENT);
      this.removal(chunk.length).run(...chunk);
    }
    for (let i = 0; i < rows.length; i += 3 * ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + 3 * ROWS_PER_STATEMENT);
      this.upsert(chunk.length / 3).run(...chunk);
    }
  }

  /** After a rolled-back transaction: the row ids as the database has them. */
  resync(): void {
    this.pending.clear();
    this.ids.clear();
    for (const r of this.stmts.keys.all() as { id: number; key: string }[]) this.ids.set(r.key, r.id);
    this.nextId = Math.max(this.nextId, (this.stmts.maxId.get() as { id: number }).id + 1);
  }
}
