/**
 * Event messages come from arbitrary controllers and kernels; one huge or malformed message
 * must not break a Kafka record, an Elasticsearch document or a notification.
 */
export const MAX_MESSAGE_BYTES = 32 * 1024;

// A lone UTF-16 surrogate has no UTF-8 encoding; it is what "invalid UTF-8" looks like in a JS string.
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** String.prototype.isWellFormed (ES2024): in Node 20, though not in the ES lib K2 compiles against. */
type Es2024String = string & { isWellFormed(): boolean };

export function isWellFormed(text: string): boolean {
  return (text as Es2024String).isWellFormed();
}

/**
 * Returns a well-formed string of at most MAX_MESSAGE_BYTES UTF-8 bytes. Invalid UTF-8 (bytes)
 * or lone surrogates (strings) become U+FFFD; a longer message is cut on a character boundary
 * and ends with a marker that gives the original size.
 */
export function boundMessage(input: string | Uint8Array): string {
  let text: string;
  if (typeof input !== 'string') text = decoder.decode(input);
  else text = isWellFormed(input) ? input : input.replace(LONE_SURROGATES, '\uFFFD');
  // No UTF-16 code unit takes more than 3 bytes in UTF-8: most messages need no counting.
  if (text.length * 3 <= MAX_MESSAGE_BYTES) return text;
  const total = utf8Bytes(text);
  if (total <= MAX_MESSAGE_BYTES) return text;
  const marker = ` …[truncated, ${total} bytes in all]`;
  // encodeInto never writes half a character, so `read` ends on a code point boundary.
  const { read } = encoder.encodeInto(text, new Uint8Array(MAX_MESSAGE_BYTES - utf8Bytes(marker)));
  return text.slice(0, read) + marker;
}
