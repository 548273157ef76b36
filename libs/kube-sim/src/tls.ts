import { generate } from 'selfsigned';

export interface ServingCert {
  key: string;
  cert: string;
}

/**
 * A fresh self-signed serving certificate for 127.0.0.1 and localhost.
 * kubectl sends bearer tokens only over TLS, so the simulator serves HTTPS and
 * the kubeconfig it writes trusts this certificate.
 */
export async function servingCert(): Promise<ServingCert> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 24 * 3600_000);
  const pems = await generate([{ name: 'commonName', value: 'k2-kube-sim' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
