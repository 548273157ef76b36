import { readFileSync } from 'node:fs';
import type https from 'node:https';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
// client-node's kubeconfig entry readers only: its package index (and KubeConfig) load the whole
// generated API, about 80 MB of RSS the exporter has no use for.
import {
  newClusters,
  newContexts,
  newUsers,
  type Cluster,
  type Context,
  type User,
} from '@kubernetes/client-node/dist/config_types.js';
import { parse } from 'yaml';

/**
 * What the exporter needs of a cluster connection: where the API server is, and the TLS and
 * credentials of a request. client-node's KubeConfig has both; `ExporterKubeConfig` is the light
 * one the exporter process loads.
 */
export interface KubeAccess {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string } | null;
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A service-account token is rotated (bound tokens last an hour): re-read as client-go does. */
const TOKEN_FILE_TTL_MS = 60_000;

/** A `*-data` field (base64) or a file named by the field beside it. */
function fileOrData(file: string | undefined | null, data: string | undefined | null): Buffer | undefined {
  if (file) return readFileSync(file);
  return data ? Buffer.from(data, 'base64') : undefined;
}

/**
 * A kubeconfig (or the in-cluster service account) read without client-node's KubeConfig:
 * bearer token (inline, `tokenFile`, or the service account's, re-read every minute), client
 * certificate, basic auth, CA and `insecure-skip-tls-verify`. Exec and auth-provider plugins
 * (cloud CLIs, OIDC) and `proxy-url` are refused when loaded, naming the entry, rather than
 * failing at the first request.
 */
export class ExporterKubeConfig implements KubeAccess {
  private token: { value: string; file?: string; readAt: number } | undefined;

  private constructor(
    private readonly cluster: Cluster,
    private readonly user: User,
    tokenFile?: string,
  ) {
    if (tokenFile) this.token = { value: '', file: tokenFile, readAt: -Infinity };
    else if (user.token) this.token = { value: user.token, readAt: Infinity };
  }

  /** The pod's service account: KUBERNETES_SERVICE_HOST/PORT, its token and CA. */
  static inCluster(root = SERVICE_ACCOUNT): ExporterKubeConfig {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    if (!host || !port) throw new Error('in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
    const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
    return new ExporterKubeConfig(
      { name: 'in-cluster', server, caFile: `${root}/ca.crt`, skipTLSVerify: false },
      { name: 'in-cluster' },
      `${root}/token`,
    );
  }

  /** A kubeconfig file; relative file names in it are taken from the file's directory. */
  static fromFile(path: string, context?: string): ExporterKubeConfig {
    return ExporterKubeConfig.fromString(readFileSync(path, 'utf8'), context, dirname(path));
  }

  /** A kubeconfig's text (YAML or JSON), its current context or `context`. */
  static fromString(text: string, context?: string, baseDir?: string): ExporterKubeConfig {
    const doc = (parse(text) ?? {}) as Record<string, unknown>;
    const contexts: Context[] = newContexts(doc.contexts as never);
    const name = context ?? (doc['current-context'] as string | undefined);
    const ctx = contexts.find((c) => c.name === name);
    if (!ctx) throw new Error(`kubeconfig: no context ${JSON.stringify(name ?? '')}`);
    const cluster = newClusters(doc.clusters as never).find((c) => c.name === ctx.cluster);
    if (!cluster) throw new Error(`kubeconfig: context ${ctx.name} names no known cluster ${ctx.cluster}`);
    const raw = ((doc.users as { name?: string; user?: Record<string, unknown> }[] | undefined) ?? []).find(
      (u) => u.name === ctx.user,
    );
    // Its token file is read here, relative to the kubeconfig and again every minute, not by newUsers.
    const { 'token-file': tokenFile, ...fields } = raw?.user ?? {};
    const user = raw ? newUsers([{ ...raw, user: fields }] as never)[0]! : { name: ctx.user ?? '' };
    if (user.exec || user.authProvider) {
      throw new Error(
        `kubeconfig user ${user.name}: ${user.exec ? 'exec' : 'auth-provider'} credential plugins are not ` +
          'supported by the exporter; give it a token, a token file or a client certificate (or run it in-cluster)',
      );
    }
    if (cluster.proxyUrl)
      throw new Error(`kubeconfig cluster ${cluster.name}: proxy-url is not supported by the exporter`);
    if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
      throw new Error(`kubeconfig cluster ${cluster.name}: plain HTTP needs insecure-skip-tls-verify`);
    }
    const abs = (f: string | undefined) => (f && baseDir && !isAbsolute(f) ? join(baseDir, f) : f);
    return new ExporterKubeConfig(
      { ...cluster, caFile: abs(cluster.caFile) },
      { ...user, certFile: abs(user.certFile), keyFile: abs(user.keyFile) },
      abs(tokenFile as string | undefined),
    );
  }

  getCurrentCluster(): Cluster {
    return this.cluster;
  }

  async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    const { cluster, user } = this;
    if (cluster.skipTLSVerify) options.rejectUnauthorized = false;
    if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    const ca = fileOrData(cluster.caFile, cluster.caData);
    if (ca) options.ca = ca;
    const cert = fileOrData(user.certFile, user.certData);
    if (cert) options.cert = cert;
    const key = fileOrData(user.keyFile, user.keyData);
    if (key) options.key = key;
    const headers = (options.headers ??= {}) as Record<string, string>;
    if (user.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
    const token = this.currentToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (user.username) options.auth = `${user.username}:${user.password ?? ''}`;
  }

  private currentToken(): string | undefined {
    const t = this.token;
    if (t?.file && Date.now() - t.readAt > TOKEN_FILE_TTL_MS) {
      t.value = readFileSync(t.file, 'utf8').trim();
      t.readAt = Date.now();
    }
    return t?.value || undefined;
  }
}
