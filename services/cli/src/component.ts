import type { K2Config } from '@k2/config';
import type { Runtime } from './runtime.js';

/** A running part of K2, as `k2 up` reports it. */
export interface Running {
  name: string;
  /** What a user connects to, e.g. `{ api: 'https://127.0.0.1:6443' }`. */
  endpoints: Record<string, string>;
  /** One line each: how to use it. */
  notes: string[];
  stop(): Promise<void>;
}

/** A part `k2 up` can start. Later services register theirs in `components.ts`. */
export interface Component {
  name: string;
  enabled(config: K2Config): boolean;
  start(runtime: Runtime): Promise<Running>;
}

/** A component could not start for a reason the user can fix (a port in use, a missing file). */
export class StartError extends Error {}
