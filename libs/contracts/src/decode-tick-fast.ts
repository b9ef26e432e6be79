import { isUtf8 } from 'node:buffer';
import { decodeInput, type Decoded } from './decode-message';
import type { Tick } from './input-messages';
import {
  ID_PATTERN,
  ISO_UTC_PATTERN,
  MAX_MESSAGE_BYTES,
  MAX_PRICE,
  SYMBOL_PATTERN,
} from './patterns';

export interface FastTick {
  tick: Tick;
  /** `tick.ts` as epoch milliseconds. */
  tsMs: number;
}

/**
 * The tick hot path: the same acceptance rules as `decodeInput('tick', …)` (a property test
 * holds them equal) without the schema library's per-message cost. Anything it refuses is
 * decoded again by `decodeInput`, so the reason given is the schema's own.
 */
export function decodeTickFast(key: Buffer | null, value: Buffer | null): Decoded<FastTick> {
  const fast = tryFast(key, value);
  if (fast) return { ok: true, value: fast };
  const slow = decodeInput('tick', key, value);
  if (!slow.ok) return slow;
  // Unreachable while the two agree; kept so a disagreement never drops a valid tick.
  return { ok: true, value: { tick: slow.value, tsMs: Date.parse(slow.value.ts) } };
}

function tryFast(key: Buffer | null, value: Buffer | null): FastTick | null {
  if (!value || value.length === 0 || value.length > MAX_MESSAGE_BYTES || !key || key.length === 0)
    return null;
  if (!isUtf8(value)) return null;
  let o: unknown;
  try {
    o = JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const { id, symbol, price, ts, volume } = o as Record<string, unknown>;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return null;
  if (typeof symbol !== 'string' || !SYMBOL_PATTERN.test(symbol)) return null;
  if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0 || price > MAX_PRICE)
    return null;
  if (typeof ts !== 'string' || !ISO_UTC_PATTERN.test(ts)) return null;
  const tsMs = Date.parse(ts);
  if (!Number.isFinite(tsMs)) return null;
  if (
    volume !== undefined &&
    (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0)
  )
    return null;
  if (key.length !== Buffer.byteLength(symbol) || key.toString('utf8') !== symbol) return null;
  const tick: Tick =
    volume === undefined ? { id, symbol, price, ts } : { id, symbol, price, ts, volume };
  return { tick, tsMs };
}
