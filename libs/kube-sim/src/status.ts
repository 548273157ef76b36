import type { StatusBody } from './types.js';

/** An error that the HTTP layer turns into a Kubernetes Status response. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    return statusBody(this.code, this.reason, this.message, this.details);
  }
}

export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export const notFound = (resource: string, name: string, group = '') =>
  new StatusError(404, 'NotFound', `${resource}${group ? '.' + group : ''} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });

export const alreadyExists = (resource: string, name: string, group = '') =>
  new StatusError(409, 'AlreadyExists', `${resource}${group ? '.' + group : ''} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });

export const conflict = (resource: string, name: string, group = '') =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resource}${group ? '.' + group : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);

export const gone = (message: string) => new StatusError(410, 'Expired', message);
