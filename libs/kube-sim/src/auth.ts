import { StatusError } from './status.js';

/** An RBAC-style rule: verbs on resources, cluster-wide or limited to some namespaces. */
export interface Rule {
  verbs: string[];
  /** Resource names, `resource/subresource`, or `*`. */
  resources: string[];
  /** API groups ('' is core); absent means any. */
  apiGroups?: string[];
  /** Absent means cluster-wide. */
  namespaces?: string[];
}

export interface SimUser {
  name: string;
  token: string;
  rules: Rule[];
}

export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

export const ADMIN_RULES: Rule[] = [{ verbs: ['*'], resources: ['*'] }];

function ruleAllows(rule: Rule, a: RequestAttributes): boolean {
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const anyOf = (list: string[] | undefined, value: string) => !list || list.includes('*') || list.includes(value);
  if (!anyOf(rule.verbs, a.verb)) return false;
  if (!rule.resources.includes('*') && !rule.resources.includes(full)) return false;
  if (!anyOf(rule.apiGroups, a.group)) return false;
  if (rule.namespaces && (a.namespace === undefined || !rule.namespaces.includes(a.namespace))) return false;
  return true;
}

export class Authorizer {
  private readonly byToken = new Map<string, SimUser>();

  constructor(users: SimUser[]) {
    for (const u of users) this.byToken.set(u.token, u);
  }

  /** The user a request's `Authorization: Bearer` header names, or a 401. */
  authenticate(header: string | undefined): SimUser {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    const user = m ? this.byToken.get(m[1]!) : undefined;
    if (!user) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    return user;
  }

  authorize(user: SimUser, a: RequestAttributes): void {
    if (user.rules.some((r) => ruleAllows(r, a))) return;
    const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    throw new StatusError(
      403,
      'Forbidden',
      `${full} is forbidden: User "${user.name}" cannot ${a.verb} resource "${full}" in API group "${a.group}" ${scope}`,
      { kind: a.resource, group: a.group },
    );
  }
}
