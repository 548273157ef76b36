#!/usr/bin/env node
import { setHeapFlags } from '@k2/cli/heap-flags';

// Before the CLI loads: V8 sizes its young generation as the process allocates.
setHeapFlags(process.argv[2]);
const { main } = await import('@k2/cli');
await main();
