import { readFileSync } from 'node:fs';
import type { SecretRef } from '../route/config.js';

export class SecretError extends Error {}

/** Reads a secret from its file (trailing newline dropped) or environment variable; never logs it. */
export function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (!value) throw new SecretError(`environment variable ${ref.env} is not set`);
    return value;
  }
  try {
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new SecretError(`cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Replaces every known secret (and its URL-encoded form) in a text meant for logs or the delivery log. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[redacted]');
  }
  return out;
}
