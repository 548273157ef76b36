import { hashParts } from './ids.js';
import { RecentCache } from './recent.js';
import type { K2Event } from './schema.js';

/*
 * Masking turns the parts of a message that differ between occurrences of one problem (pod names,
 * addresses, ids, counters, times) into placeholders. Order matters: earlier rules swallow text
 * that later, looser rules would otherwise cut into pieces (a timestamp's digits, a uid's dashes).
 */

const TIMESTAMP =
  /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?(?:Z|[+-]\d{2}:?\d{2})(?: [A-Z]{3,5}\b)?)?/g;
const CONTAINER_ID = /\b(?:containerd|docker|cri-o|crio):\/\/[0-9a-f]+/gi;
const DIGEST = /\b(sha256|sha384|sha512|sha1|md5):[0-9a-f]{16,}/gi;
const UID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
// 32+ hex characters is an id whatever it contains; shorter runs only when they mix digits and
// letters (a 12-character container id), so plain words and plain numbers are left alone.
const LONG_HEX = /\b(?:[0-9a-f]{32,}|(?=[0-9a-f]{0,31}[a-f])(?=[0-9a-f]{0,31}\d)[0-9a-f]{12,31})\b/gi;

const V4 = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
const H6 = '[0-9a-f]{1,4}';
// Full form, full form ending in IPv4, or compressed with "::" (optionally ending in IPv4).
const V6 = `(?:(?:${H6}:){7}${H6}|(?:${H6}:){6}${V4}|(?:${H6}(?::${H6}){0,6})?::(?:(?:${H6}:){0,5}${V4}|${H6}(?::${H6}){0,6})?)`;
const IPV6 = new RegExp(String.raw`(?:\[${V6}\](?::\d{1,5})?|(?<![0-9a-z:.])${V6}(?![0-9a-z:]|\.\d))`, 'gi');
const IPV4 = new RegExp(String.raw`(?<![\d.])${V4}(?::\d{1,5})?(?!\.?\d)`, 'g');

// Go durations as kubelet prints them: 20s, 1m30s, 5m0s, 3.2s, 500ms. Not after a dash, where
// "9585m" is a generated name suffix (portal-kxwgpzt2xd-9585m), left for maskName.
const DURATION = /(?<![A-Za-z0-9_.-])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+(?![A-Za-z0-9_])/g;

// A lowercase DNS name with at least one dash; generated tails are stripped by maskName.
const DNS_NAME = /(?<![A-Za-z0-9_-])[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?![A-Za-z0-9-])/g;

// Stand-alone numbers, versions and quantities: 137, 4.2.0, 0x7f, 2Gi, 512Mi, 90%.
const NUMBER = /(?<![A-Za-z0-9_])(?:0x[0-9a-f]+|\d+(?:\.\d+)*(?:[KMGTPE]i|[kKMGTPE]B?|B|%)?)(?![A-Za-z0-9_])/g;

// Kubernetes' safe alphabet (no vowels, no 0/1/3) for pod-template hashes and name suffixes.
const SAFE_ALPHABET = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

/** A name segment that a controller generated: an ordinal or timestamp, or a random hash. */
function isGenerated(segment: string): boolean {
  if (/^\d+$/.test(segment)) return true;
  if (segment.length < 5 || segment.length > 10) return false;
  return /\d/.test(segment) || SAFE_ALPHABET.test(segment);
}

/**
 * Strips the parts a controller appended to a name, so pods, ReplicaSets and Jobs collapse to
 * their workload: cart-7d9f8c6b5-abcde → cart-*, cart-7d9f8c6b5 → cart-*, redis-0 → redis-*,
 * backup-28954320-x7k2p → backup-*. Names without a generated tail are returned unchanged.
 */
export function maskName(name: string): string {
  const segments = name.split('-');
  let keep = segments.length;
  const last = segments[keep - 1] ?? '';
  const beforeLast = segments[keep - 2] ?? '';
  // A pod's random suffix may use any letters when it follows a ReplicaSet hash.
  if (keep > 2 && /^[a-z0-9]{5}$/.test(last) && beforeLast.length >= 6 && isGenerated(beforeLast)) keep -= 2;
  while (keep > 1 && isGenerated(segments[keep - 1] ?? '')) keep--;
  return keep === segments.length ? name : `${segments.slice(0, keep).join('-')}-*`;
}

/*
 * Masking runs ten regular expressions over a message, for every event, while most messages
 * recur: the same probe failing, the same pod backing off. So masks are memoised, for messages
 * short enough that the cache stays small (at most 2 × 4096 entries of about 1 KiB).
 */
const MEMO_ENTRIES = 4096;
const MEMO_MAX_LENGTH = 1024;
const masked = new RecentCache<string, string>(MEMO_ENTRIES);

/** The message with its volatile parts replaced by placeholders; see the rules above. */
export function maskMessage(message: string): string {
  if (message.length > MEMO_MAX_LENGTH) return mask(message);
  let result = masked.get(message);
  if (result === undefined) masked.set(message, (result = mask(message)));
  return result;
}

/*
 * A rule is skipped when the text lacks what every match of it contains, which a plain scan
 * tells far quicker than the expression's attempt at each position: a timestamp or a DNS name
 * has a dash, a container id "://", a uid, digest or long hex id a run of 12 hex digits, an IPv6
 * address "::" or at least six colons. Each check looks at the text as the rules before left it.
 */
function mask(message: string): string {
  let text = message;
  if (text.includes('-')) text = text.replace(TIMESTAMP, '<time>');
  if (text.includes('://')) text = text.replace(CONTAINER_ID, '<container-id>');
  if (longestHexRun(text) >= 12)
    text = text.replace(DIGEST, '$1:<digest>').replace(UID, '<uid>').replace(LONG_HEX, '<hex>');
  if (text.includes('::') || colons(text) >= 6) text = text.replace(IPV6, '<ip>');
  text = text.replace(IPV4, '<ip>').replace(DURATION, '<duration>');
  if (text.includes('-')) text = text.replace(DNS_NAME, maskName);
  return text.replace(NUMBER, '#');
}

/** The length of the longest run of hex digits (either case) in `text`. */
function longestHexRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20; // folds A-F onto a-f; digits stay digits
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) {
      if (++run > longest) longest = run;
    } else run = 0;
  }
  return longest;
}

function colons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) n++;
  return n;
}

/** Kinds whose names carry generated suffixes; other workloads are named by people. */
const GENERATED_NAME_KINDS = new Set(['Pod', 'ReplicaSet', 'Job']);

export type FingerprintInput = Pick<
  K2Event,
  'cluster' | 'namespace' | 'workload' | 'involvedObject' | 'reason' | 'message'
>;

/*
 * Masked messages recur far more than messages do (the pod names, addresses and numbers are gone),
 * so fingerprints are memoised by masked message, then by the rest of the input, compared field by
 * field: a hit costs a few string comparisons instead of the whole tuple's JSON and its sha256.
 * At most 8 per masked message.
 */
interface KnownFingerprint {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  objectKind: string;
  reason: string;
  fingerprint: string;
}
const fingerprints = new RecentCache<string, KnownFingerprint[]>(MEMO_ENTRIES);
const FINGERPRINTS_PER_MESSAGE = 8;

/**
 * Same problem ⇒ same fingerprint. Pods are keyed by their workload, not by their own name; when
 * the workload is still unresolved (a pod, a ReplicaSet), its generated suffix is masked instead.
 */
export function fingerprint(event: FingerprintInput): string {
  const { cluster, namespace, reason } = event;
  const { kind } = event.workload;
  const name = GENERATED_NAME_KINDS.has(kind) ? maskName(event.workload.name) : event.workload.name;
  const objectKind = event.involvedObject.kind;
  const message = maskMessage(event.message);
  // A message too long to memoise its mask is not memoised here either.
  let known: KnownFingerprint[] | undefined;
  if (event.message.length <= MEMO_MAX_LENGTH) {
    known = fingerprints.get(message);
    if (!known) fingerprints.set(message, (known = []));
    for (const k of known) {
      if (
        k.cluster === cluster &&
        k.namespace === namespace &&
        k.kind === kind &&
        k.name === name &&
        k.objectKind === objectKind &&
        k.reason === reason
      )
        return k.fingerprint;
    }
  }
  const result = hashParts(['fp', cluster, namespace, kind, name, objectKind, reason, message]);
  if (known && known.length < FINGERPRINTS_PER_MESSAGE)
    known.push({ cluster, namespace, kind, name, objectKind, reason, fingerprint: result });
  return result;
}
