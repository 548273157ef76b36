import { KNOWN_PROBLEM_CLASSES } from '@k2/contracts';
import type { Policy } from '../policy.js';

/**
 * How far behind the watermark state may still be unpublished, so the uncommitted tail must reach
 * back at least this far: a held condition lasts at most two holds (occurrences spanning one hold
 * open it; a hold without one clears it), and an open incident's growth is published at least once
 * per update interval. A minute more covers events a little out of order.
 */
export function tailHorizonMs(policy: Policy): number {
  const holds = [...KNOWN_PROBLEM_CLASSES, 'other'].map((c) => policy.classFor(c).holdSeconds);
  return (2 * Math.max(...holds) + policy.updateIntervalSeconds + 60) * 1000;
}
