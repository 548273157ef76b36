import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** This replica's id, kept in its state dir so a restart resumes its own broadcast subscriptions. */
export function instanceId(stateDir: string): string {
  const file = join(stateDir, 'instance-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = randomUUID().slice(0, 12);
  writeFileSync(file, `${id}\n`);
  return id;
}
