// The benchmark's webhook, in its own process so it takes no CPU from what is measured: reports
// the first arrival of each alert (by its `workload` label) to the parent, batched.
import { createServer } from 'node:http';

const now = () => performance.timeOrigin + performance.now();
let batch = [];
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = now();
    const body = JSON.parse(Buffer.concat(chunks).toString());
    for (const a of body.alerts) if (a.status === 'firing') batch.push([a.labels.workload, at]);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 60_000;
setInterval(() => {
  if (batch.length === 0) return;
  process.send(batch);
  batch = [];
}, 2).unref();
server.listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${server.address().port}` }));
process.on('disconnect', () => process.exit(0));
