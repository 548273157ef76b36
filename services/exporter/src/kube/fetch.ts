import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** Connections kept open between scrapes: a new TLS handshake per kubelet per scrape costs more than reading it. */
export function keepAliveAgents(maxSockets: number): { http: http.Agent; https: https.Agent; destroy(): void } {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
  };
  return {
    ...agents,
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

export interface FetchOptions {
  /** Kept-alive connections to use (not through a proxy: then the kubeconfig's agent). */
  agents?: { http: http.Agent; https: https.Agent };
  accept?: string;
}

/** GETs `url` with the kubeconfig's credentials and CA (bearer token, client certificate). */
export async function fetchWithKubeConfig(
  kc: KubeConfig,
  url: string,
  timeoutMs: number,
  { agents, accept = 'text/plain' }: FetchOptions = {},
): Promise<string> {
  const target = new URL(url);
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: accept } };
  await kc.applyToHTTPSOptions(options);
  const secure = target.protocol === 'https:';
  const get = secure ? https.get : http.get;
  const agent = agents && !kc.getCurrentCluster()?.proxyUrl ? (secure ? agents.https : agents.http) : undefined;
  return new Promise((resolve, reject) => {
    const req = get(target, { ...options, ...(agent ? { agent } : {}), timeout: timeoutMs }, (res) => {
      // Decoded as it arrives: no copy of the whole body in a buffer before its text.
      const chunks: string[] = [];
      res.setEncoding('utf8');
      res.on('data', (c: string) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = chunks.join('');
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${target.pathname}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${target.pathname}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
