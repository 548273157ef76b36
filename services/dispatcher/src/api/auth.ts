import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Role = 'sender' | 'viewer' | 'admin';

export interface TokenEntry {
  user: string;
  sha256: string;
  role: Role;
  grants: { cluster: string; namespace: string }[];
}

export interface Caller {
  user: string;
  role: Role;
  grants: { cluster: string; namespace: string }[];
}

const ALLOWED: Record<Role, readonly Role[]> = {
  sender: ['sender', 'admin'],
  viewer: ['viewer', 'admin'],
  admin: ['admin'],
};

/** Bearer tokens, compared by their sha256 in constant time. */
export class TokenAuth {
  private readonly tokens: { digest: Buffer; entry: TokenEntry }[];

  constructor(tokens: readonly TokenEntry[]) {
    this.tokens = tokens.map((entry) => ({ digest: Buffer.from(entry.sha256, 'hex'), entry }));
  }

  identify(header: string | undefined): Caller | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return undefined;
    const digest = createHash('sha256').update(m[1]!).digest();
    const hit = this.tokens.find((t) => timingSafeEqual(t.digest, digest));
    return hit ? { user: hit.entry.user, role: hit.entry.role, grants: hit.entry.grants } : undefined;
  }

  /** 401 without a known token, 403 when its role does not allow `need`; else the caller. */
  check(req: FastifyRequest, reply: FastifyReply, need: Role): Caller | undefined {
    const caller = this.identify(req.headers.authorization);
    if (!caller) {
      void reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'a valid bearer token is required' });
      return undefined;
    }
    if (!ALLOWED[need].includes(caller.role)) {
      void reply.code(403).send({ error: `role ${caller.role} may not do this` });
      return undefined;
    }
    return caller;
  }
}

/** Admins see everything; others the `cluster/namespace` scopes their grants cover. */
export function maySee(caller: Caller, scopes: readonly string[]): boolean {
  if (caller.role === 'admin') return true;
  return scopes.every((scope) => {
    const [cluster, namespace] = scope.split('/') as [string, string];
    return caller.grants.some(
      (g) => (g.cluster === '*' || g.cluster === cluster) && (g.namespace === '*' || g.namespace === namespace),
    );
  });
}

export const sha256Hex = (token: string): string => createHash('sha256').update(token).digest('hex');
