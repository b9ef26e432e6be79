import { isUtf8 } from 'node:buffer';
import { decodeInput, futureTimeError, type DecodeClock, type Decoded } from './decode-message';
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
export function decodeTickFast(
  key: Buffer | null,
  value: Buffer | null,
  clock?: DecodeClock,
): Decoded<FastTick> {
  const fast = scanTick(key, value) ?? tryFast(key, value);
  if (fast) {
    const future = futureTimeError(fast.tsMs, clock);
    return future ? { ok: false, error: future } : { ok: true, value: fast };
  }
  const slow = decodeInput('tick', key, value, clock);
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

// Byte classes of the contract's lexical rules (patterns.ts), indexed by byte.
const ID_BYTE = new Uint8Array(256);
const SYMBOL_BYTE = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9._:-]/.test(ch)) ID_BYTE[c] = 1;
  if (/[A-Z0-9.-]/.test(ch)) SYMBOL_BYTE[c] = 1;
}
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** 10^k, exact for k ≤ 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const F_ID = 1;
const F_SYMBOL = 2;
const F_PRICE = 4;
const F_TS = 8;
const F_VOLUME = 16;

const FIELDS: readonly (readonly [string, number])[] = [
  ['id', F_ID],
  ['symbol', F_SYMBOL],
  ['price', F_PRICE],
  ['ts', F_TS],
  ['volume', F_VOLUME],
];

const isDigit = (b: number) => b >= ZERO && b <= NINE;

/**
 * The tick hot path without `JSON.parse`: a byte scanner for the compact form producers write
 * (`JSON.stringify` of a tick: no whitespace, no escapes, only the tick's own fields, plain
 * decimals of ≤ 15 digits). It returns a tick only when every rule of the schema holds, and null
 * for anything else — including valid ticks in another form, which the general path then takes.
 * A property test holds its accepted values equal to `decodeInput`'s.
 */
export function scanTick(key: Buffer | null, value: Buffer | null): FastTick | null {
  if (!value || !key || key.length === 0) return null;
  const v = value;
  const n = v.length;
  if (n < 2 || n > MAX_MESSAGE_BYTES || v[0] !== 0x7b /* { */) return null;
  let text: string | undefined;
  let seen = 0;
  let id = '';
  let ts = '';
  let symStart = 0;
  let symEnd = 0;
  let tsStart = 0;
  let tsEnd = 0;
  let price = 0;
  let volume = 0;
  let i = 1;
  for (;;) {
    // "field":
    if (v[i] !== QUOTE) return null;
    const k0 = i + 1;
    let k1 = k0;
    while (k1 < n && v[k1] !== QUOTE) k1++;
    if (k1 + 1 >= n || v[k1 + 1] !== COLON) return null;
    const field = fieldOf(v, k0, k1);
    if (field === 0 || (seen & field) !== 0) return null;
    seen |= field;
    i = k1 + 2;
    if (field === F_PRICE || field === F_VOLUME) {
      // A non-negative JSON number without exponent: m / 10^frac, exact when m < 2^53.
      let m = 0;
      let digits = 0;
      let frac = 0;
      if (v[i] === ZERO) {
        i++;
        if (isDigit(v[i])) return null; // leading zero: not JSON
      } else if (isDigit(v[i])) {
        while (isDigit(v[i])) {
          m = m * 10 + (v[i] - ZERO);
          digits++;
          i++;
        }
      } else return null;
      if (v[i] === DOT) {
        i++;
        if (!isDigit(v[i])) return null;
        while (isDigit(v[i])) {
          m = m * 10 + (v[i] - ZERO);
          digits++;
          frac++;
          i++;
        }
      }
      if (digits > 15) return null;
      const x = m / POW10[frac];
      if (field === F_PRICE) price = x;
      else volume = x;
    } else {
      if (v[i] !== QUOTE) return null;
      const s0 = i + 1;
      let s1 = s0;
      if (field === F_TS) {
        while (s1 < n && v[s1] !== QUOTE) s1++;
        if (s1 >= n || !isIsoUtc(v, s0, s1)) return null;
        text ??= v.toString('latin1');
        ts = text.slice(s0, s1);
        tsStart = s0;
        tsEnd = s1;
      } else if (field === F_ID) {
        while (s1 < n && ID_BYTE[v[s1]] === 1) s1++;
        if (v[s1] !== QUOTE || s1 === s0 || s1 - s0 > 128) return null;
        text ??= v.toString('latin1');
        id = text.slice(s0, s1);
      } else {
        while (s1 < n && SYMBOL_BYTE[v[s1]] === 1) s1++;
        if (v[s1] !== QUOTE || s1 === s0 || s1 - s0 > 16) return null;
        const first = v[s0];
        if (first === DOT || first === 0x2d /* - */) return null;
        symStart = s0;
        symEnd = s1;
      }
      i = s1 + 1;
    }
    if (v[i] === COMMA) {
      i++;
      continue;
    }
    if (v[i] === 0x7d /* } */ && i === n - 1) break;
    return null;
  }
  if ((seen & (F_ID | F_SYMBOL | F_PRICE | F_TS)) !== (F_ID | F_SYMBOL | F_PRICE | F_TS))
    return null;
  if (!(price > 0) || price > MAX_PRICE) return null;
  if (key.length !== symEnd - symStart) return null;
  for (let j = 0; j < key.length; j++) if (key[j] !== v[symStart + j]) return null;
  const tsMs = isoUtcMs(v, tsStart, tsEnd) ?? Date.parse(ts);
  if (!Number.isFinite(tsMs)) return null;
  const symbol = (text ?? v.toString('latin1')).slice(symStart, symEnd);
  const tick: Tick =
    (seen & F_VOLUME) === 0 ? { id, symbol, price, ts } : { id, symbol, price, ts, volume };
  return { tick, tsMs };
}

/** The field a key names, by its bytes; 0 for any other key. */
function fieldOf(v: Buffer, a: number, b: number): number {
  const len = b - a;
  for (const [name, field] of FIELDS) {
    if (name.length !== len) continue;
    let j = 0;
    while (j < len && v[a + j] === name.charCodeAt(j)) j++;
    if (j === len) return field;
  }
  return 0;
}

/** ISO_UTC_PATTERN on bytes [a, b): `dddd-dd-ddTdd:dd:dd`, optional `.d{1,9}`, then `Z`. */
function isIsoUtc(v: Buffer, a: number, b: number): boolean {
  const len = b - a;
  if (len !== 20 && (len < 22 || len > 30)) return false;
  for (let j = 0; j < 19; j++) {
    const c = v[a + j];
    const want = j === 4 || j === 7 ? 0x2d : j === 10 ? 0x54 : j === 13 || j === 16 ? COLON : -1;
    if (want === -1 ? !isDigit(c) : c !== want) return false;
  }
  if (v[b - 1] !== 0x5a /* Z */) return false;
  if (len === 20) return true;
  if (v[a + 19] !== DOT) return false;
  for (let j = a + 20; j < b - 1; j++) if (!isDigit(v[j])) return false;
  return true;
}

const digitsAt = (v: Buffer, a: number, n: number) => {
  let x = 0;
  for (let j = 0; j < n; j++) x = x * 10 + (v[a + j] - ZERO);
  return x;
};

/**
 * Epoch milliseconds of an ISO_UTC_PATTERN time on bytes [a, b) whose fields are certainly a
 * calendar time (day within its month, hour ≤ 23, minute and second ≤ 59, at most millisecond
 * digits); undefined for any other, which `Date.parse` then decides. Equal to `Date.parse` where
 * defined (a property test holds it so).
 */
export function isoUtcMs(v: Buffer, a: number, b: number): number | undefined {
  const len = b - a;
  if (len > 24) return undefined; // more than millisecond digits
  const y = digitsAt(v, a, 4);
  const mo = digitsAt(v, a + 5, 2);
  const d = digitsAt(v, a + 8, 2);
  const h = digitsAt(v, a + 11, 2);
  const mi = digitsAt(v, a + 14, 2);
  const s = digitsAt(v, a + 17, 2);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[mo - 1])) return undefined;
  // Fraction of 1..3 digits in milliseconds (len 20 is without a fraction).
  const fracDigits = len === 20 ? 0 : len - 21;
  const ms = fracDigits === 0 ? 0 : digitsAt(v, a + 20, fracDigits) * POW10[3 - fracDigits];
  // Days from 1970-01-01 of the proleptic Gregorian date (H. Hinnant's days_from_civil).
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms;
}
