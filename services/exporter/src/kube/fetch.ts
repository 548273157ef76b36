import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** GETs `url` with the kubeconfig's credentials and CA (bearer token, client certificate). */
export async function fetchWithKubeConfig(kc: KubeConfig, url: string, timeoutMs: number): Promise<string> {
  const target = new URL(url);
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'text/plain' } };
  await kc.applyToHTTPSOptions(options);
  const get = target.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(target, { ...options, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${target.pathname}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${target.pathname}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
