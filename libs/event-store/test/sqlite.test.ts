import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteEventStore } from '../src/index.js';
import { eventStoreConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'k2-event-store-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

eventStoreConformance('sqlite', async () => {
  const store = new SqliteEventStore({ path: join(dir, `events-${n++}.db`) });
  await store.init();
  return store;
});
