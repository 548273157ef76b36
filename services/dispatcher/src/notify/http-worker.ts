import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A request for the worker; `url` may carry a robot's access token, which stays in this process. */
export interface WorkerRequest {
  id: number;
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export type WorkerAnswer =
  /** `headers`: only those the senders read (Retry-After). */
  | { id: number; status: number; headers: Record<string, string | string[] | undefined>; text: string }
  | { id: number; error: { code?: string; name: string; message: string } };

// The worker's whole program: undici with keep-alive (well under half of node:http's CPU per
// request: 65–80 µs against 160–190 µs, measured), the receiver's timeout through undici's own
// timers (an AbortSignal per request cost more than the request), requests and answers passed in
// batches (one message per event-loop turn, not per request). Inline CommonJS, so it runs the same
// from src (tests) and dist; undici is resolved by the main thread.
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { Agent } = require(workerData.undici);

const agent = new Agent();
const targets = new Map();
function target(url) {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    const headers = {};
    if (u.username || u.password) {
      // Credentials in the URL go in an Authorization header, as browsers and node:http send them.
      const userinfo = decodeURIComponent(u.username) + ':' + decodeURIComponent(u.password);
      headers.authorization = 'Basic ' + Buffer.from(userinfo).toString('base64');
    }
    t = { origin: u.origin, path: u.pathname + u.search, headers };
    if (targets.size >= 256) targets.clear(); // signed robot URLs differ per message
    targets.set(url, t);
  }
  return t;
}

let answers = [];
function answer(a) {
  if (answers.push(a) === 1) setImmediate(flush);
}
function flush() {
  const out = answers;
  answers = [];
  parentPort.postMessage(out);
}
const failure = (id, err) => ({ id, error: { code: err.code, name: err.name, message: err.message } });

// A raw dispatch handler: no response stream, promise or async scope per request (undici's
// request() made all three, about a third of the worker's CPU per request).
class Answer {
  constructor(id) {
    this.id = id;
    this.status = 0;
    this.retryAfter = undefined;
    this.chunks = [];
  }
  onConnect() {}
  onHeaders(status, raw) {
    if (status < 200) return true; // informational: the answer is still to come
    this.status = status;
    // Only the headers senders read cross back: less to clone per answer.
    for (let i = 0; i < raw.length; i += 2)
      if (raw[i].length === 11 && raw[i].toString('latin1').toLowerCase() === 'retry-after')
        this.retryAfter = raw[i + 1].toString('latin1');
    return true;
  }
  onData(chunk) {
    this.chunks.push(chunk);
    return true;
  }
  onComplete() {
    const headers = this.retryAfter === undefined ? {} : { 'retry-after': this.retryAfter };
    const text = this.chunks.length === 0 ? '' : Buffer.concat(this.chunks).toString('utf8');
    answer({ id: this.id, status: this.status, headers, text });
  }
  onError(err) {
    answer(failure(this.id, err));
  }
}

function post(r) {
  try {
    const t = target(r.url);
    agent.dispatch(
      {
        origin: t.origin,
        path: t.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...t.headers, ...r.headers },
        body: r.body,
        headersTimeout: r.timeoutMs,
        bodyTimeout: r.timeoutMs,
      },
      new Answer(r.id),
    );
  } catch (err) {
    answer(failure(r.id, err));
  }
}

parentPort.on('message', (batch) => {
  for (const r of batch) post(r);
});
parentPort.postMessage('ready');
`;

interface Waiting {
  resolve(a: WorkerAnswer): void;
}

/**
 * Webhook and robot requests run in a worker thread: an HTTP request costs the event loop more
 * than everything else a notification needs (deciding it, storing it, logging its outcome), so
 * off the main thread they run in parallel with the next decisions. One worker per process,
 * booted by the service at start-up (it takes ~100 ms of CPU: better then than under the first
 * burst of notifications) or by the first request; it holds the process open only while requests
 * are in flight.
 */
export class HttpWorker {
  private worker: Worker | undefined;
  private booted: Promise<void> = Promise.resolve();
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();
  private queue: WorkerRequest[] = [];

  send(r: Omit<WorkerRequest, 'id'>): Promise<WorkerAnswer> {
    return new Promise((resolve) => {
      const id = ++this.nextId;
      // Idle: the request goes at once (first-alert latency). Busy: a turn's requests go in one message.
      const idle = this.waiting.size === 0;
      this.waiting.set(id, { resolve });
      if (this.queue.push({ id, ...r }) > 1) return;
      if (idle) this.flush();
      else setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const worker = this.start();
    worker.ref();
    worker.postMessage(batch);
  }

  /** Starts the worker if it is not running; resolves once it takes requests (or failed to start). */
  boot(): Promise<void> {
    this.start();
    return this.booted;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const undici = createRequire(import.meta.url).resolve('undici');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { undici } });
    worker.unref();
    let booted = () => {};
    this.booted = new Promise((resolve) => (booted = resolve));
    worker.on('message', (answers: WorkerAnswer[] | 'ready') => {
      if (answers === 'ready') return booted();
      for (const a of answers) {
        const w = this.waiting.get(a.id);
        this.waiting.delete(a.id);
        w?.resolve(a);
      }
      if (this.waiting.size === 0 && this.queue.length === 0) worker.unref();
    });
    // A crashed worker fails what it had in flight as network errors (retried); the next request starts a new one.
    const lost = (message: string) => {
      booted();
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const [id, w] of this.waiting) w.resolve({ id, error: { code: 'EWORKER', name: 'Error', message } });
      this.waiting.clear();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`http worker exited with ${code}`));
    this.worker = worker;
    return worker;
  }
}
