import { hash } from 'node:crypto';

/** 128 bits of sha256 over a JSON tuple (part boundaries kept). */
export const hashParts = (parts: readonly (string | number)[]): string =>
  hash('sha256', JSON.stringify(parts), 'hex').slice(0, 32);
