import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker's own connection copies the WAL into the database (and fsyncs it) off the event loop.
// PASSIVE never blocks the writer. Inline CommonJS, so it runs the same from src (tests) and dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
parentPort.on('message', () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage(null);
  } catch (err) {
    parentPort.postMessage(String(err && err.message));
  }
});
`;

/** Commits between two checkpoints at most (SQLite's own default is every 1,000 WAL pages). */
const COMMITS_PER_CHECKPOINT = 20;

/**
 * Checkpoints a WAL database from a worker thread. In WAL mode with synchronous=NORMAL a commit
 * only appends to the WAL; the checkpoint is what fsyncs, and run inline (SQLite's autocheckpoint)
 * it stalled the dispatcher for milliseconds every few hundred notifications. Durability is the
 * same: a commit is in the WAL either way. The worker starts with the store (booting it in the
 * middle of the first burst of notifications would delay them).
 */
export class Checkpointer {
  private worker: Worker | undefined;
  private commits = 0;
  private running = false;

  constructor(file: string, onError: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file } });
    worker.unref();
    worker.on('message', (error: string | null) => {
      this.running = false;
      if (error) onError(error);
    });
    worker.on('error', (err) => {
      // Without the worker the connection's own autocheckpoint keeps the WAL in bounds.
      onError(err.message);
      this.worker = undefined;
    });
    this.worker = worker;
  }

  /** Called after each commit; asks the worker for a checkpoint every few commits. */
  committed(): void {
    if (++this.commits < COMMITS_PER_CHECKPOINT || this.running || !this.worker) return;
    this.commits = 0;
    this.running = true;
    this.worker.postMessage('checkpoint');
  }

  close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }
}
