/**
 * Kafka producers put every message for one partition of a send into one record batch, and the
 * broker refuses a batch larger than its `message.max.bytes` (1 MiB by default) with an error no
 * retry cures. These helpers cut a send into sends whose batches stay under a byte budget.
 *
 * The sizes counted are uncompressed. A compressed batch is its 61-byte header and one
 * compressed blob of the same records, so the uncompressed count bounds it for any input that
 * compresses, and the service's JSON compresses several-fold. Only incompressible bytes grow,
 * and gzip's worst case is bounded (`gzipBound`): `sendBudget` takes that growth off the budget
 * when the relay compresses, so a send fits whatever its payloads hold.
 */

/** The broker's default `message.max.bytes` (1 MiB). */
export const BROKER_MESSAGE_MAX_BYTES = 1_048_576;

/** A record batch's fixed header (magic v2: 61 bytes). */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

/**
 * Room per send and partition, below the broker's default limit with a margin for the
 * estimates' rounding.
 */
export const DEFAULT_SEND_BUDGET_BYTES = 1_000_000;

/**
 * The most bytes gzip makes of `n` bytes, whatever they hold: zlib's `deflateBound` for its
 * default window and memory settings (Node's `zlib.gzip`, at any level) with the 18-byte gzip
 * wrapper, each shift rounded up and the constant taken larger.
 */
export function gzipBound(n: number): number {
  return n + Math.ceil(n / 4096) + Math.ceil(n / 16384) + Math.ceil(n / 33_554_432) + 13 + 18;
}

/**
 * The uncompressed budget that keeps a batch under `budget` once compressed: `budget` itself
 * uncompressed, less gzip's worst-case growth (about 0.03 %: 339 bytes of 1,000,000) with gzip.
 */
export function sendBudget(budget: number, codec: 'gzip' | 'none'): number {
  if (codec === 'none') return budget;
  return budget - (gzipBound(budget) - budget);
}

export interface SizedMessage {
  topic: string;
  partition: number;
  key: string;
  payload: string;
  headers?: Record<string, string>;
}

/**
 * An upper bound of one record's size in a v2 record batch: its key, value and headers plus
 * the varints around them (length, attributes, timestamp and offset deltas, lengths: at most
 * 32 bytes, and 10 per header).
 */
export function recordBytes(m: SizedMessage): number {
  let size = 32 + Buffer.byteLength(m.key) + Buffer.byteLength(m.payload);
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    size += 10 + Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  return size;
}

/**
 * Splits `messages` (in the order they must reach each partition) into consecutive sends, so
 * that no partition's batch in any send passes `budget` bytes. A send ends where one partition
 * would overflow; per-partition order is kept. A message too big for any batch is sent alone:
 * the broker will refuse it, and the caller must not build such a message.
 */
export function splitIntoSends<T extends SizedMessage>(
  messages: readonly T[],
  budget = DEFAULT_SEND_BUDGET_BYTES,
): T[][] {
  const sends: T[][] = [];
  let current: T[] = [];
  let bytes = new Map<string, number>();
  for (const m of messages) {
    const where = `${m.topic}\u0000${m.partition}`;
    const size = recordBytes(m);
    const used = bytes.get(where) ?? RECORD_BATCH_OVERHEAD_BYTES;
    if (current.length > 0 && used + size > budget) {
      sends.push(current);
      current = [];
      bytes = new Map();
    }
    current.push(m);
    bytes.set(where, (bytes.get(where) ?? RECORD_BATCH_OVERHEAD_BYTES) + size);
  }
  if (current.length > 0) sends.push(current);
  return sends;
}
