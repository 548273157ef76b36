#!/usr/bin/env node
// `npm run bench -- NAME`: runs one benchmark (or all) and prints its figures; the last line is JSON.
const BENCHES = {
  sim: () => import('./sim.js'),
  eventer: () => import('./eventer.js'),
  converger: () => import('./converger.js'),
  dispatcher: () => import('./dispatcher.js'),
  exporter: () => import('./exporter.js'),
  'event-center': () => import('./event-center.js'),
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
for (const name of names) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  const { run } = await load();
  await run();
}
