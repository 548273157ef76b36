import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The built web UI beside the service (services/event-center/ui/dist), from src/ or dist/ alike. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui/dist/', import.meta.url));

/**
 * Serves the UI's files at /, and index.html for any other GET outside the API so client-side
 * routes (/incidents/…, permalinks) load the app. Returns whether the UI is there.
 */
export async function registerUi(app: FastifyInstance, dir: string = DEFAULT_UI_DIR): Promise<boolean> {
  const root = resolve(dir);
  const present = existsSync(resolve(root, 'index.html'));
  if (present) await app.register(fastifyStatic, { root, prefix: '/', wildcard: true, index: ['index.html'] });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (present && request.method === 'GET' && !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path))
      return reply.type('text/html').sendFile('index.html');
    return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${path}` });
  });
  return present;
}
