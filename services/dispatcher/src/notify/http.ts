import { HttpWorker } from './http-worker.js';
import type { SendResult } from './sender.js';

export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

const headerGetter = (headers: Record<string, string | string[] | undefined>) => ({
  get(name: string): string | null {
    const v = headers[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  },
});

const worker = new HttpWorker();

/** Boots the HTTP worker now rather than with the first notification; resolves once it is up. */
export const startHttpWorker = (): Promise<void> => worker.boot();

/**
 * One URL that JSON is posted to, from the HTTP worker thread. The receiver's timeout bounds the
 * wait for the answer's headers and each pause in its body.
 */
export class HttpEndpoint {
  constructor(private readonly url: string) {}

  /** Posts JSON; network failures and timeouts reject. */
  async post(body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpAnswer> {
    const a = await worker.send({ url: this.url, body, headers, timeoutMs });
    if ('error' in a) throw Object.assign(new Error(a.error.message), { name: a.error.name, code: a.error.code });
    return { status: a.status, headers: headerGetter(a.headers), text: a.text };
  }
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** HTTP status rules every provider shares: 2xx ok, 408/429/5xx retried (429 honours Retry-After), other 4xx permanent. */
export function classifyStatus(answer: HttpAnswer): SendResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { ok: true, status };
  const snippet = answer.text.slice(0, 200);
  if (status === 429 || status === 408 || status >= 500) {
    const after = retryAfterMs(answer.headers.get('retry-after'));
    return {
      ok: false,
      retry: true,
      status,
      error: `HTTP ${status}: ${snippet}`,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
      throttled: status === 429,
    };
  }
  return { ok: false, retry: false, status, error: `HTTP ${status}: ${snippet}` };
}

/** A request that failed (refused, reset, timed out, the HTTP worker lost) is worth retrying. */
export function networkFailure(err: unknown): SendResult {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const detail = e.code ?? e.cause?.code ?? e.name;
  return { ok: false, retry: true, error: `network: ${detail}` };
}

export async function sendHttp(
  attempt: () => Promise<HttpAnswer>,
  check: (answer: HttpAnswer) => SendResult = classifyStatus,
): Promise<SendResult> {
  let answer: HttpAnswer;
  try {
    answer = await attempt();
  } catch (err) {
    return networkFailure(err);
  }
  return check(answer);
}

export function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Robots that answer HTTP 200 with an `errcode` in the body (DingTalk, WeCom): anything but 0 is a
 * failure; `throttledCode` is the robot's rate-limit code, retried later as throttling.
 */
export function errcodeResult(answer: HttpAnswer, throttledCode: number): SendResult {
  const base = classifyStatus(answer);
  if (!base.ok) return base;
  const body = parseJson(answer.text);
  const code = body?.errcode;
  if (code === 0) return base;
  const error = `errcode ${String(code)}: ${String(body?.errmsg ?? answer.text.slice(0, 200))}`;
  if (code === throttledCode) return { ok: false, retry: true, status: answer.status, error, throttled: true };
  return { ok: false, retry: false, status: answer.status, error };
}
