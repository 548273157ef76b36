import https from 'node:https';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/**
 * Reads a watch stream on its own thread, as a separate client process would: it frames and
 * counts events without parsing the objects (parsing is the consumer's cost, measured by the
 * eventer benchmark), and resolves when `count` events have arrived.
 * Resolves with the wall time (performance.timeOrigin-based) of the last event.
 */
export function readWatch(url, { token, ca, count }) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { url, token, ca, count } });
    worker.once('message', (m) => {
      void worker.terminate();
      resolve({ last: m.lastEpochMs - performance.timeOrigin, seen: m.seen });
    });
    worker.once('error', reject);
  });
}

if (!isMainThread) {
  const { url, token, ca, count } = workerData;
  const req = https.get(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, ca }, (res) => {
    let buffer = '';
    let seen = 0;
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buffer += chunk;
      let start = 0;
      let nl;
      while ((nl = buffer.indexOf('\n', start)) >= 0) {
        if (!buffer.startsWith('{"type":"BOOKMARK"', start)) seen++;
        start = nl + 1;
      }
      buffer = buffer.slice(start);
      if (seen >= count) {
        parentPort.postMessage({ lastEpochMs: performance.timeOrigin + performance.now(), seen });
        req.destroy();
      }
    });
  });
  req.on('error', () => {});
}
