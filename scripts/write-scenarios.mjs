#!/usr/bin/env node
// Writes K2's own scenarios (libs/kube-sim/src/scenarios.ts) to scenarios/NAME.jsonl from the
// built package. Run `npm run build` first; libs/kube-sim/test/own-scenarios.test.ts fails when
// a committed file and its code differ. The NAME.expect.json files are written by hand.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OWN_SCENARIOS } from '@k2/kube-sim';

const dir = fileURLToPath(new URL('../scenarios/', import.meta.url));
const only = process.argv.slice(2);
for (const [name, build] of Object.entries(OWN_SCENARIOS)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const text = build().toJsonl();
  writeFileSync(`${dir}${name}.jsonl`, text);
  console.log(`scenarios/${name}.jsonl: ${text.split('\n').length - 2} lines, ${(text.length / 1024).toFixed(0)} KiB`);
}
