import { closeSync, fchmodSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A kubeconfig for kubectl and client libraries, in JSON (a subset of YAML that kubectl reads). */
export function kubeconfig(server: string, caCert: string, token: string, user = 'k2-sim'): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'k2-sim', cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'k2-sim', context: { cluster: 'k2-sim', user, namespace: 'default' } }],
    'current-context': 'k2-sim',
    preferences: {},
  };
  return JSON.stringify(config, null, 2) + '\n';
}

/** Writes the kubeconfig readable by its owner only: it holds a bearer token. */
export function writeKubeconfig(path: string, server: string, caCert: string, token: string, user?: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // `mode` only applies when the file is created: an existing file (say 0644 from an older run)
  // is made owner-only before the token goes in.
  const fd = openSync(path, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeFileSync(fd, kubeconfig(server, caCert, token, user));
  } finally {
    closeSync(fd);
  }
}
