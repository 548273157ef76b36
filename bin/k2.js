#!/usr/bin/env node
import { main } from '@k2/cli';

await main();
