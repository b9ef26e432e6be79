import type { Decimal } from 'decimal.js';
import { Money } from './config';

/**
 * The money figures of the priced positions, exact: v_i = q_i × p_i, net = Σ v_i,
 * gross = Σ |v_i|, nav = cash + net (the decimals of the numbers as printed, so 0.1 is 0.1),
 * and the ratios read from them. `scaledMoneyFigures` and `decimalMoneyFigures` give the same.
 */
export interface MoneyFigures {
  readonly cash: Decimal;
  readonly net: Decimal;
  readonly gross: Decimal;
  readonly nav: Decimal;
  /** q_i and v_i, each the double nearest its exact decimal. */
  readonly quantities: number[];
  readonly values: number[];
  /** |v_i| / nav, each the double nearest the exact ratio; 0 when nav ≤ 0. */
  readonly weights: number[];
  /** |v_i| / gross. */
  readonly grossShares: number[];
  /** Index of the first position with the largest |v_i| > 0; −1 when there is none. */
  readonly largest: number;
  /** |v_largest| / nav; 0 when nav ≤ 0 or there is no largest. */
  readonly maxWeight: number;
  /** Σ v_i² / gross², 0 when gross is 0. */
  readonly hhi: number;
  /** v_i exactly, as Decimal's toString prints it. */
  exactValueText(i: number): string;
}

/** The definition, in decimals throughout: any quantities and prices. */
export function decimalMoneyFigures(
  cashNumber: number,
  lines: readonly { quantity: number | Decimal; price: number }[],
): MoneyFigures {
  const cash = new Money(cashNumber);
  const exactValues = lines.map((p) => new Money(p.quantity).times(p.price));
  let net = new Money(0);
  let gross = new Money(0);
  let sumSquares = new Money(0);
  for (const v of exactValues) {
    net = net.plus(v);
    gross = gross.plus(v.abs());
    sumSquares = sumSquares.plus(v.pow(2));
  }
  const nav = cash.plus(net);
  let largest = -1;
  let maxAbs = new Money(0);
  exactValues.forEach((v, i) => {
    if (v.abs().greaterThan(maxAbs)) {
      maxAbs = v.abs();
      largest = i;
    }
  });
  const navPositive = nav.greaterThan(0);
  return {
    cash,
    net,
    gross,
    nav,
    quantities: lines.map((p) => new Money(p.quantity).toNumber()),
    values: exactValues.map((v) => v.toNumber()),
    weights: exactValues.map((v) => (navPositive ? v.abs().div(nav).toNumber() : 0)),
    grossShares: exactValues.map((v) => v.abs().div(gross).toNumber()),
    largest,
    maxWeight: navPositive && largest >= 0 ? maxAbs.div(nav).toNumber() : 0,
    hhi: gross.isZero() ? 0 : sumSquares.div(gross.pow(2)).toNumber(),
    exactValueText: (i) => exactValues[i].toString(),
  };
}

/** 10^k, exact as doubles for k ≤ 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_SCALE = POW10.length - 1;

/** Scratch output of `readScaled`: x = mantissa · 10^−scale. */
let mantissa = 0;
let scale = 0;

/**
 * Reads the decimal that Decimal reads for `x` (its shortest round-trip digits, String(x)) as a
 * safe integer mantissa and a scale; false when it needs more digits or exponent notation.
 */
function readScaled(x: number | Decimal): boolean {
  if (typeof x === 'number' && Number.isSafeInteger(x)) {
    mantissa = x;
    scale = 0;
    return true;
  }
  const text = x.toString();
  const negative = text.charCodeAt(0) === 45; // '-'
  let m = 0;
  let dot = -1;
  for (let i = negative ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      dot = i;
      continue;
    }
    const digit = c - 48;
    // Anything but digits and one point (an exponent): not read here.
    if (digit < 0 || digit > 9) return false;
    m = m * 10 + digit;
    // Every step is exact while m stays below 2^53.
    if (m > Number.MAX_SAFE_INTEGER) return false;
  }
  mantissa = negative ? -m : m;
  scale = dot < 0 ? 0 : text.length - dot - 1;
  return scale <= MAX_SCALE;
}

/** A decimal from a safe integer mantissa and its scale. */
function scaledDecimal(m: number, k: number): Decimal {
  return new Money(k === 0 ? m : `${m}e-${k}`);
}

/**
 * Decimal's toString of m · 10^−k (m a non-zero safe integer) without making the Decimal: all
 * its digits without trailing zeros after the point; null below 1e-6, which Decimal prints in
 * exponent notation.
 */
function scaledText(m: number, k: number): string | null {
  let digits = String(Math.abs(m));
  let decimals = k;
  while (decimals > 0 && digits.charCodeAt(digits.length - 1) === 48) {
    digits = digits.slice(0, -1);
    decimals -= 1;
  }
  if (digits.length - 1 - decimals <= -7) return null;
  const sign = m < 0 ? '-' : '';
  if (decimals === 0) return sign + digits;
  const whole = digits.length - decimals;
  return whole > 0
    ? `${sign}${digits.slice(0, whole)}.${digits.slice(whole)}`
    : `${sign}0.${'0'.repeat(-whole)}${digits}`;
}

/**
 * The same figures in integer arithmetic on doubles, for the usual book (prices and quantities
 * with a few decimals): every v_i, cash, the sums and nav as integers at one decimal scale, each
 * below 2^53 so every operation is exact; null when one is not (then the decimals decide).
 * A ratio of two such integers divided as doubles is the double nearest the exact ratio, which
 * is what Decimal's division to 60 digits then toNumber gives: the ratio of integers below 2^53
 * is never within 2^−107 (relative) of a midpoint between doubles, far beyond 60 digits.
 */
export function scaledMoneyFigures(
  cashNumber: number,
  lines: readonly { quantity: number | Decimal; price: number }[],
): MoneyFigures | null {
  const n = lines.length;
  const quantities = new Array<number>(n);
  const exactMantissas = new Array<number>(n);
  const exactScales = new Array<number>(n);
  let common = 0;
  for (let i = 0; i < n; i++) {
    const { quantity, price } = lines[i];
    if (!readScaled(quantity)) return null;
    const qm = mantissa;
    const qk = scale;
    quantities[i] = typeof quantity === 'number' ? quantity : qm / POW10[qk];
    if (!readScaled(price)) return null;
    const vm = qm * mantissa;
    const vk = qk + scale;
    // A zero value (a zero price) keeps its sign in decimals: left to them.
    if (vm === 0 || !Number.isSafeInteger(vm) || vk > MAX_SCALE) return null;
    exactMantissas[i] = vm;
    exactScales[i] = vk;
    if (vk > common) common = vk;
  }
  if (!readScaled(cashNumber)) return null;
  const cashMantissa = mantissa;
  const cashScale = scale;
  if (cashScale > common) common = cashScale;

  const scaled = new Array<number>(n);
  const values = new Array<number>(n);
  let net = 0;
  let gross = 0;
  let largest = -1;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const s = exactMantissas[i] * POW10[common - exactScales[i]];
    if (!Number.isSafeInteger(s)) return null;
    scaled[i] = s;
    values[i] = exactMantissas[i] / POW10[exactScales[i]];
    const a = Math.abs(s);
    net += s;
    // Partial sums stay exact while gross does: once past 2^53 gross cannot come back.
    gross += a;
    if (a > maxAbs) {
      maxAbs = a;
      largest = i;
    }
  }
  const cash = cashMantissa * POW10[common - cashScale];
  const nav = cash + net;
  if (!Number.isSafeInteger(gross) || !Number.isSafeInteger(cash) || !Number.isSafeInteger(nav))
    return null;

  let hhi = 0;
  if (gross !== 0) {
    // Σ s_i² reaches 2^106 · n: in BigInt (far below Decimal's 60 digits, so its sum is exact too).
    let sumSquares = 0n;
    for (let i = 0; i < n; i++) {
      const b = BigInt(scaled[i]);
      sumSquares += b * b;
    }
    hhi = new Money(sumSquares.toString()).div(new Money(gross).pow(2)).toNumber();
  }
  const cashDecimal = new Money(cashNumber);
  const netDecimal = scaledDecimal(net, common);
  return {
    cash: cashDecimal,
    net: netDecimal,
    gross: scaledDecimal(gross, common),
    nav: cashDecimal.plus(netDecimal),
    quantities,
    values,
    weights: scaled.map((s) => (nav > 0 ? Math.abs(s) / nav : 0)),
    grossShares: scaled.map((s) => Math.abs(s) / gross),
    largest,
    maxWeight: nav > 0 && largest >= 0 ? maxAbs / nav : 0,
    hhi,
    exactValueText: (i) =>
      scaledText(exactMantissas[i], exactScales[i]) ??
      scaledDecimal(exactMantissas[i], exactScales[i]).toString(),
  };
}
