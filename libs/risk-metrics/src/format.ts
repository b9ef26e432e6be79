import type { Decimal } from 'decimal.js';
import { Money } from './config';

type Numeric = Decimal | number | string;

function toMoney(value: Numeric): Decimal {
  return value instanceof Money ? value : new Money(value.toString());
}

/** Commas between thousands in the whole part of a fixed-notation number ("-1234.5" → "-1,234.5"). */
function groupThousands(fixed: string): string {
  const start = fixed.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const dot = fixed.indexOf('.');
  const end = dot < 0 ? fixed.length : dot;
  if (end - start <= 3) return fixed;
  const head = start + ((end - start) % 3 || 3);
  let out = fixed.slice(0, head);
  for (let i = head; i < end; i += 3) out += ',' + fixed.slice(i, i + 3);
  return out + fixed.slice(end);
}

/**
 * A decimal string exactly as Decimal prints it in fixed notation with all its decimals:
 * no exponent, no superfluous zero, not "-0" (Decimal's toString of any value of
 * magnitude in [1e-6, 1e21)). Such a string is its own exact fixed notation, without parsing it.
 */
const CANONICAL_FIXED = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

function canonicalFixed(value: Numeric): string | null {
  return typeof value === 'string' && value !== '-0' && CANONICAL_FIXED.test(value) ? value : null;
}

/**
 * Money exactly: at least 2 decimals, more when the value has them, so sums and products
 * printed in an explanation re-add exactly (3 × 1.005 prints 3.015, never 3.02).
 */
export function formatMoneyExact(value: Numeric): string {
  const fixed = canonicalFixed(value);
  if (fixed !== null) {
    const dot = fixed.indexOf('.');
    const decimals = dot < 0 ? 0 : fixed.length - dot - 1;
    return groupThousands(decimals >= 2 ? fixed : decimals === 1 ? `${fixed}0` : `${fixed}.00`);
  }
  const d = toMoney(value);
  return groupThousands(d.toFixed(Math.max(2, d.decimalPlaces())));
}

/** A number exactly as given (quantities, prices): every decimal it has, thousands grouped. */
export function formatExact(value: Numeric): string {
  const fixed = canonicalFixed(value);
  if (fixed !== null) return groupThousands(fixed);
  const d = toMoney(value);
  return groupThousands(d.toFixed(d.decimalPlaces()));
}

/** Rounded (half away from zero) to `decimals`, thousands grouped. */
export function formatRounded(value: Numeric, decimals: number): string {
  return groupThousands(toMoney(value).toFixed(decimals, Money.ROUND_HALF_UP));
}

/** A ratio as a percentage rounded to `decimals` (0.3120 → "31.20%"). */
export function formatPercent(ratio: Numeric, decimals = 2): string {
  return `${formatRounded(toMoney(ratio).times(100), decimals)}%`;
}

/** Rounds to cents, half away from zero: the precision of every money figure we report. */
export function roundCents(value: Numeric): Decimal {
  return toMoney(value).toDecimalPlaces(2, Money.ROUND_HALF_UP);
}

const SQRT_CENTS_MAX = new Money('1e40');

/**
 * roundCents(√x) for x ≥ 0 with at most 2 decimals, without Decimal's 60-digit square
 * root (~20 us): with q = x · 10^4 an integer, the cents c are the c with (2c − 1)² ≤ 4q <
 * (2c + 1)² (half up; 4q is even, so never a tie). Decimal's √ to 60 digits cannot cross such a
 * boundary either: √q is an integer or at least 1 / (8√q) away from c ± ½.
 */
export function sqrtCents(x: Decimal): Decimal {
  const scaled = x.times(10_000);
  if (!scaled.isInteger() || scaled.isNegative() || scaled.greaterThanOrEqualTo(SQRT_CENTS_MAX))
    return roundCents(x.sqrt());
  const q = BigInt(scaled.toFixed(0));
  let c = BigInt(Math.round(Math.sqrt(Number(q))));
  const q4 = 4n * q;
  while (c > 0n && (2n * c - 1n) ** 2n > q4) c -= 1n;
  while ((2n * c + 1n) ** 2n <= q4) c += 1n;
  return new Money(`${c}e-2`);
}

/** Parses a number printed by the helpers above (thousands separators, optional %). */
export function parseFormatted(text: string): Decimal {
  const cleaned = text.replace(/,/g, '').replace(/%$/, '').replace(/×$/, '');
  return new Money(cleaned);
}
