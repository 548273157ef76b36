import type Database from 'better-sqlite3';

/**
 * A table of JSON states by key (`id INTEGER PRIMARY KEY, key, state`) with no index on the key:
 * the key's row id is kept in memory, so a new row is appended to the table's last page. Keys are
 * hashes; with an index each new row dirtied a random index page (4 KB of WAL per row, several
 * rows per notification), which made commits the dispatcher's largest cost.
 */
export class RowTable {
  private readonly ids = new Map<string, number>();
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    readonly name: string,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${name} (id INTEGER PRIMARY KEY, key TEXT NOT NULL, state TEXT NOT NULL)`);
    this.stmts = {
      insert: db.prepare(`INSERT INTO ${name} (key, state) VALUES (?, ?)`),
      update: db.prepare(`UPDATE ${name} SET state = ? WHERE id = ?`),
      remove: db.prepare(`DELETE FROM ${name} WHERE id = ?`),
      keys: db.prepare(`SELECT id, key FROM ${name} ORDER BY id`),
      all: db.prepare(`SELECT id, key, state FROM ${name} ORDER BY id`),
    };
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
    return [...last.values()].sort((a, b) => a.id - b.id).map((r) => r.state);
  }

  has(key: string): boolean {
    return this.ids.has(key);
  }

  put(key: string, state: string): void {
    const id = this.ids.get(key);
    if (id !== undefined) this.stmts.update.run(state, id);
    else this.ids.set(key, Number(this.stmts.insert.run(key, state).lastInsertRowid));
  }

  delete(key: string): void {
    const id = this.ids.get(key);
    if (id === undefined) return;
    this.stmts.remove.run(id);
    this.ids.delete(key);
  }

  /** After a rolled-back transaction: the row ids as the database has them. */
  resync(): void {
    this.ids.clear();
    for (const r of this.stmts.keys.all() as { id: number; key: string }[]) this.ids.set(r.key, r.id);
  }
}
