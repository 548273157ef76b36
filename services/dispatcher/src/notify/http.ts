import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SendResult } from './sender.js';

export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

// node:http with keep-alive rather than fetch: a fraction of the CPU per request, which is what
// bounds notifications per second.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

const headerGetter = (headers: IncomingHttpHeaders) => ({
  get(name: string): string | null {
    const v = headers[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  },
});

/** Posts JSON; network failures and timeouts (the signal) throw. */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const tls = target.protocol === 'https:';
    const req = (tls ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        agent: tls ? agents.https : agents.http,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: headerGetter(res.headers),
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
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

/** A thrown fetch (refused, reset, timed out) is worth retrying. */
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
