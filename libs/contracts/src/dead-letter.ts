import type { DecodeError } from './decode-message';

/** The `risk.dlq` record of the contract. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  encoding?: 'base64';
  /** The value (and, if need be, the key) was cut to keep the letter under the broker's limit. */
  truncated?: true;
  error: string;
  errorCode: string;
  ts: string;
}

/**
 * The most bytes one serialized dead letter, and one produce of several, may take: the broker's
 * default `message.max.bytes` (1 MiB) less headroom for record and batch framing.
 */
export const DEAD_LETTER_MAX_BYTES = 1_000_000;
/** Framing per record in a batch (length, attributes, deltas, key and value lengths), generously. */
export const RECORD_OVERHEAD_BYTES = 64;
/** A key longer than this is cut in an oversized letter (the value is cut first). */
const MAX_TRUNCATED_KEY_CHARS = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(buf: Buffer): { text: string; base64: boolean } {
  try {
    return { text: utf8.decode(buf), base64: false };
  } catch {
    return { text: buf.toString('base64'), base64: true };
  }
}

export function buildDeadLetter(args: {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  error: DecodeError;
  now: Date;
  maxBytes?: number;
}): DeadLetter {
  const value = args.value ? asText(args.value) : null;
  const key = args.key ? asText(args.key) : null;
  const letter: DeadLetter = {
    topic: args.topic,
    partition: args.partition,
    offset: args.offset,
    key: key ? key.text : null,
    value: value ? value.text : null,
    error: args.error.message,
    errorCode: args.error.code,
    ts: args.now.toISOString(),
  };
  // One flag for the record: the contract names a single `encoding` field. A non-UTF-8 key is
  // rare enough that it shares it with the value.
  if (value?.base64 || key?.base64) letter.encoding = 'base64';
  return fitDeadLetter(letter, args.maxBytes ?? DEAD_LETTER_MAX_BYTES);
}

export const serializedBytes = (letter: DeadLetter): number =>
  Buffer.byteLength(JSON.stringify(letter), 'utf8');

/**
 * `letter` as it may be sent: when its JSON is over `maxBytes` (control bytes are escaped six
 * to one, so the serialized size is what counts), the longest prefix of the value that fits,
 * flagged `truncated`. A base64 value is cut on a 4-character boundary, text never inside a
 * surrogate pair.
 */
export function fitDeadLetter(letter: DeadLetter, maxBytes = DEAD_LETTER_MAX_BYTES): DeadLetter {
  if (serializedBytes(letter) <= maxBytes) return letter;
  const base64 = letter.encoding === 'base64';
  let out: DeadLetter = { ...letter, truncated: true };
  if (out.key !== null && out.key.length > MAX_TRUNCATED_KEY_CHARS)
    out.key = cut(out.key, MAX_TRUNCATED_KEY_CHARS, base64);
  if (out.error.length > MAX_TRUNCATED_KEY_CHARS)
    out.error = cut(out.error, MAX_TRUNCATED_KEY_CHARS, false);
  const full = out.value ?? '';
  const withValue = (n: number): DeadLetter => ({ ...out, value: cut(full, n, base64) });
  // The longest prefix that fits, by bisection on its length in characters.
  let lo = 0;
  let hi = full.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (serializedBytes(withValue(mid)) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  out = withValue(lo);
  return out;
}

function cut(s: string, n: number, base64: boolean): string {
  if (n >= s.length) return s;
  if (base64) return s.slice(0, n - (n % 4));
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/**
 * Splits messages into consecutive groups whose keys and values together stay within
 * `maxBytes` (with per-record framing): kafkajs writes all messages of one partition in one send
 * as one record batch, and the broker refuses a batch over `message.max.bytes`. A message on its
 * own over the limit still gets a group of its own (the caller keeps messages within it).
 */
export function splitBySize<T extends { key?: string | null; value: string }>(
  messages: readonly T[],
  maxBytes = DEAD_LETTER_MAX_BYTES,
): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size =
      Buffer.byteLength(m.value, 'utf8') +
      (m.key ? Buffer.byteLength(m.key, 'utf8') : 0) +
      RECORD_OVERHEAD_BYTES;
    if (group.length > 0 && bytes + size > maxBytes) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(m);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
