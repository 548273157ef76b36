import { inject } from 'vitest';

/**
 * Real servers for tests, started once per run by test/setup/servers.ts.
 * `instance` gives a test its own server (e.g. one it will restart) instead of the shared one.
 */
export type ServerName = 'kafka' | 'elasticsearch' | 'prometheus' | 'alertmanager' | 'tools';

export interface StartOptions {
  /**
   * Extra environment for the server's start script, e.g. `{ K2_PROMETHEUS_CONFIG: file }` (see the
   * script's header). Kept for restarts. An instance runs with one setup: asking for a running
   * instance with a different env fails, so give each setup its own instance name.
   */
  env?: Record<string, string>;
}

async function call(
  name: ServerName,
  instance: string,
  action: string,
  options?: StartOptions,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${inject('k2ServersUrl')}/servers/${name}/${instance}/${action}`, {
    method: 'POST',
    ...(options ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(options) } : {}),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`could not ${action} ${name}: ${String(body.error)}`);
  return body;
}

export const startServer = (name: ServerName, instance = 'shared', options?: StartOptions) =>
  call(name, instance, 'start', options);
export const restartServer = (name: ServerName, instance: string) => call(name, instance, 'restart');
export const stopServer = (name: ServerName, instance: string) => call(name, instance, 'stop');

export interface KafkaServer {
  brokers: string;
}
export interface HttpServer {
  url: string;
}
export interface Tools {
  kubectl: string;
  chromium: string;
  promtool: string;
}
