import { createHash, timingSafeEqual } from 'node:crypto';
import type { Grant } from '@k2/event-store';
import type { K2Config } from '@k2/config';

type AuthConfig = K2Config['eventCenter']['auth'];

/** Who is asking, and what they may see. */
export interface Principal {
  user: string;
  admin: boolean;
  grants: Grant[];
  via: 'token' | 'proxy';
}

/** Why a request has no principal: the 401's message. */
export type AuthFailure = { reason: 'missing' | 'invalid'; message: string };

export interface Credentials {
  /** The bearer token (Authorization header, or `access_token` where EventSource needs it). */
  token?: string;
  /** The TCP peer, for the proxy rule. */
  peer?: string;
  header(name: string): string | undefined;
}

export const sha256Hex = (token: string): string => createHash('sha256').update(token).digest('hex');

/** IPv4 peers of a dual-stack socket show as ::ffff:a.b.c.d. */
const normalizeAddress = (a: string) => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);

/**
 * Tokens are compared by their sha256 (constant time); proxy headers count only from the
 * configured proxy addresses, and never from anyone else (a client could set them itself).
 */
export class Authenticator {
  private readonly tokens: { hash: Buffer; user: string; admin: boolean; grants: Grant[] }[];
  private readonly trusted: Set<string>;

  constructor(private readonly config: AuthConfig) {
    this.tokens = config.tokens.map((t) => ({ ...t, hash: Buffer.from(t.sha256, 'hex') }));
    this.trusted = new Set(config.proxy.trustedAddresses.map(normalizeAddress));
  }

  authenticate(c: Credentials): Principal | AuthFailure {
    if (c.token !== undefined) {
      const hash = Buffer.from(sha256Hex(c.token), 'hex');
      const match = this.tokens.find((t) => timingSafeEqual(t.hash, hash));
      if (!match) return { reason: 'invalid', message: 'the token is not valid' };
      return { user: match.user, admin: match.admin, grants: match.grants, via: 'token' };
    }
    const proxied = c.peer !== undefined && this.trusted.has(normalizeAddress(c.peer));
    const user = proxied ? c.header(this.config.proxy.userHeader)?.trim() : undefined;
    if (user) {
      const names = new Set(
        (c.header(this.config.proxy.groupsHeader) ?? '')
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean),
      );
      const groups = this.config.proxy.groups.filter((g) => names.has(g.group));
      return {
        user,
        admin: groups.some((g) => g.admin),
        grants: dedupe(groups.flatMap((g) => g.grants)),
        via: 'proxy',
      };
    }
    return { reason: 'missing', message: 'sign in: send Authorization: Bearer <token>' };
  }
}

/** What a principal may read: undefined (everything) for admins, else the grants. */
export const scopeOf = (p: Principal): Grant[] | undefined => (p.admin ? undefined : p.grants);

function dedupe(grants: Grant[]): Grant[] {
  const seen = new Map(grants.map((g) => [`${g.cluster}\u0000${g.namespace}`, g]));
  return [...seen.values()];
}
