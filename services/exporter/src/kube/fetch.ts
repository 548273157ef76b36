import https from 'node:https';
import http from 'node:http';
import type { KubeAccess } from './access.js';

export interface FetchOptions {
  accept?: string;
  /** Aborts the request (a watch being stopped). */
  signal?: AbortSignal;
}

/**
 * GETs `url` with the cluster's credentials and CA (bearer token, client certificate) and
 * resolves with the response once it is known to be a 200; any other status rejects, with the
 * start of its body. `timeoutMs` is how long the connection may stay silent.
 */
export async function getWithKube(
  kube: KubeAccess,
  url: string,
  timeoutMs: number,
  { accept = 'text/plain', signal }: FetchOptions = {},
): Promise<http.IncomingMessage> {
  const target = new URL(url);
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: accept } };
  await kube.applyToHTTPSOptions(options);
  const secure = target.protocol === 'https:';
  const get = secure ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(target, { ...options, timeout: timeoutMs, signal }, (res) => {
      if (res.statusCode === 200) {
        resolve(res);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8', 0, 200);
        const err = new Error(`GET ${target.pathname}: HTTP ${res.statusCode}: ${body}`);
        reject(Object.assign(err, { statusCode: res.statusCode }));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${target.pathname}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** GETs `url` (see getWithKube) and resolves with its body's text. */
export async function fetchWithKube(
  kube: KubeAccess,
  url: string,
  timeoutMs: number,
  options: FetchOptions = {},
): Promise<string> {
  const res = await getWithKube(kube, url, timeoutMs, options);
  // Decoded as it arrives: no copy of the whole body in a buffer before its text.
  const chunks: string[] = [];
  res.setEncoding('utf8');
  for await (const chunk of res) chunks.push(chunk as string);
  return chunks.join('');
}
