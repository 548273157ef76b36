import { clearToken, readToken } from '../auth';
import type {
  Facets,
  Histogram,
  IncidentAck,
  IncidentDetail,
  Incident,
  K2Event,
  Me,
  Page,
  TimelineItem,
} from './types';

/** An API answer other than 2xx, with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Query parameters; arrays repeat the key (`namespace=a&namespace=b`). */
export type Params = Record<string, string | string[] | number | undefined>;

export function toSearch(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

/** Listeners told when the server refuses the token, so the app can ask to sign in again. */
const unauthorizedListeners = new Set<() => void>();
export const onUnauthorized = (listener: () => void) => {
  unauthorizedListeners.add(listener);
  return () => {
    unauthorizedListeners.delete(listener);
  };
};

async function request<T>(path: string, init: RequestInit = {}, token = readToken()): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, { ...init, headers });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = (body ?? {}) as { error?: string; message?: string };
    if (res.status === 401 && token === readToken()) {
      clearToken();
      unauthorizedListeners.forEach((l) => l());
    }
    throw new ApiError(res.status, err.error ?? 'error', err.message ?? res.statusText);
  }
  return body as T;
}

export const api = {
  me: (token?: string) => request<Me>('/me', {}, token ?? readToken()),
  events: (params: Params) => request<Page<K2Event>>(`/events${toSearch(params)}`),
  event: (id: string) => request<K2Event>(`/events/${encodeURIComponent(id)}`),
  histogram: (params: Params) => request<Histogram>(`/histogram${toSearch(params)}`),
  facets: (params: Params) => request<Facets>(`/facets${toSearch(params)}`),
  incidents: (params: Params) => request<Page<Incident>>(`/incidents${toSearch(params)}`),
  incident: (id: string) => request<IncidentDetail>(`/incidents/${encodeURIComponent(id)}`),
  ack: (id: string, comment?: string) =>
    request<{ ack: IncidentAck }>(`/incidents/${encodeURIComponent(id)}/ack`, {
      method: 'POST',
      body: JSON.stringify(comment ? { comment } : {}),
    }),
  timeline: (params: Params) => request<{ items: TimelineItem[] }>(`/timeline${toSearch(params)}`),
  /** The live-tail URL: EventSource sends no headers, so the token rides as access_token. */
  tailUrl: (params: Params) => `/api/v1/tail${toSearch({ ...params, access_token: readToken() ?? undefined })}`,
};
