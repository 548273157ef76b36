import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { K2Config } from '@k2/config';
import { describeStore, sha256Hex, startEventCenterService } from '@k2/event-center';
import { StartError, type Component, type Running } from './component.js';
import type { Runtime } from './runtime.js';

type EventCenterConfig = K2Config['eventCenter'];

/** Where the generated admin token of an unconfigured event center is kept (only its owner may read it). */
const TOKEN_FILE = '.k2/event-center-token';

/**
 * With no tokens and no trusted proxy nobody could sign in, so a local run gets one admin token,
 * kept in a file (reused across restarts, so a browser stays signed in), never printed or logged.
 */
function withLocalAdmin(config: EventCenterConfig): { config: EventCenterConfig; tokenFile?: string } {
  if (config.auth.tokens.length > 0 || config.auth.proxy.trustedAddresses.length > 0) return { config };
  const file = resolve(TOKEN_FILE);
  let token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (token.length < 16) {
    token = randomBytes(24).toString('base64url');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  const admin = { user: 'admin', sha256: sha256Hex(token), admin: true, grants: [] };
  return { config: { ...config, auth: { ...config.auth, tokens: [admin] } }, tokenFile: file };
}

export async function startEventCenter(runtime: Runtime): Promise<Running> {
  const { config: k2 } = runtime;
  const { config, tokenFile } = withLocalAdmin(k2.eventCenter);
  let service;
  try {
    service = await startEventCenterService({
      config,
      bus: runtime.bus(),
      log: runtime.log.child({ service: 'event-center' }),
      partitions: k2.bus.partitions,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartError(
        `event-center: port ${config.http.port} on ${config.http.host} is in use; set eventCenter.http.port to a free one`,
      );
    }
    throw err;
  }
  const url = service.url;
  return {
    name: 'event-center',
    endpoints: { ...(service.ui ? { ui: `${url}/` } : {}), api: `${url}/api/v1`, openapi: `${url}/openapi.json` },
    notes: [
      `storing k2.events and k2.incidents in ${describeStore(config.store)}; /metrics, /readyz`,
      ...(service.ui ? [] : ['web UI not built (no services/event-center/ui/dist): API only']),
      tokenFile
        ? `sign in with the admin token in ${tokenFile} (generated: eventCenter.auth has no tokens)`
        : `sign in with a token from eventCenter.auth.tokens`,
    ],
    stop: () => service.stop(),
  };
}

export const eventCenterComponent: Component = {
  name: 'event-center',
  enabled: (config) => config.eventCenter.enabled,
  start: startEventCenter,
};
