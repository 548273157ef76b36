import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import pLimit from 'p-limit';
import { StoreUnavailableError } from '../store.js';

/** One document to create: its index, its deterministic _id, and its JSON. */
export interface BulkDoc {
  index: string;
  id: string;
  json: string;
}

export interface BulkOptions {
  /** A request carries at most this many bytes of NDJSON (one oversized document goes alone). */
  maxBytes: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Rounds of retrying items the node refused with 429 or 5xx, and whole requests that failed. */
  retries: number;
  /** First backoff; doubles each round. */
  backoffMs: number;
}

interface Item {
  create?: { status: number; error?: { type?: string; reason?: string } };
}

/**
 * `create` with a deterministic _id, so a replay answers 409, which means "already stored".
 * The client's helpers.bulk retries only per-item 429s and drops the rest, so this does its own:
 * 201 and 409 are stored; 429 and 5xx items and failed requests are retried, then reported as
 * StoreUnavailableError (nothing is dropped); other item errors are final and returned.
 */
export async function bulkCreate(
  client: Client,
  docs: readonly BulkDoc[],
  options: BulkOptions,
): Promise<{ failed: { doc: number; reason: string }[] }> {
  const lines = docs.map(
    (d) => `{"create":{"_index":${JSON.stringify(d.index)},"_id":${JSON.stringify(d.id)}}}\n${d.json}\n`,
  );
  const failed: { doc: number; reason: string }[] = [];
  let pending = docs.map((_, i) => i);
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) {
      if (round > options.retries)
        throw new StoreUnavailableError(`Elasticsearch kept refusing ${pending.length} documents (429/5xx)`);
      await new Promise((r) => setTimeout(r, options.backoffMs * 2 ** (round - 1)));
    }
    const retry: number[] = [];
    const limit = pLimit(options.concurrency);
    await Promise.all(
      chunks(pending, lines, options.maxBytes).map((chunk) =>
        limit(async () => {
          const items = await send(client, chunk.map((i) => lines[i] as string).join(''));
          if (items === 'retry') return void retry.push(...chunk);
          items.forEach((item, k) => {
            const doc = chunk[k] as number;
            const status = item.create?.status ?? 500;
            if (status === 201 || status === 200 || status === 409) return;
            if (status === 429 || status >= 500) retry.push(doc);
            else
              failed.push({
                doc,
                reason: `${status} ${item.create?.error?.type ?? ''}: ${item.create?.error?.reason ?? ''}`,
              });
          });
        }),
      ),
    );
    pending = retry;
  }
  return { failed };
}

/** Groups documents (in order) into requests of at most `maxBytes`. */
function chunks(pending: readonly number[], lines: readonly string[], maxBytes: number): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of pending) {
    const size = Buffer.byteLength(lines[i] as string);
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** One _bulk request: its items, or `retry` when the whole request failed for a passing reason. */
async function send(client: Client, body: string): Promise<Item[] | 'retry'> {
  try {
    const res = (await client.transport.request({
      method: 'POST',
      path: '/_bulk',
      querystring: { filter_path: 'errors,items.*.status,items.*.error' },
      bulkBody: body,
    })) as { errors: boolean; items?: Item[] };
    if (!res.errors) return [];
    return res.items ?? [];
  } catch (err) {
    if (err instanceof errors.ResponseError && (err.statusCode === 429 || (err.statusCode ?? 0) >= 500)) return 'retry';
    if (
      err instanceof errors.ConnectionError ||
      err instanceof errors.TimeoutError ||
      err instanceof errors.NoLivingConnectionsError
    )
      return 'retry';
    throw err;
  }
}
