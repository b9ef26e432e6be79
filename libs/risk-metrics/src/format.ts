import type { Decimal } from 'decimal.js';
import { Money } from './config';

type Numeric = Decimal | number | string;

function toMoney(value: Numeric): Decimal {
  return value instanceof Money ? value : new Money(value.toString());
}

function groupThousands(fixed: string): string {
  const negative = fixed.startsWith('-');
  const unsigned = negative ? fixed.slice(1) : fixed;
  const [whole, fraction] = unsigned.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/**
 * Money exactly: at least 2 decimals, more when the value has them, so sums and products
 * printed in an explanation re-add exactly (3 × 1.005 prints 3.015, never 3.02).
 */
export function formatMoneyExact(value: Numeric): string {
  const d = toMoney(value);
  return groupThousands(d.toFixed(Math.max(2, d.decimalPlaces())));
}

/** A number exactly as given (quantities, prices): every decimal it has, thousands grouped. */
export function formatExact(value: Numeric): string {
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

/** Parses a number printed by the helpers above (thousands separators, optional %). */
export function parseFormatted(text: string): Decimal {
  const cleaned = text.replace(/,/g, '').replace(/%$/, '').replace(/×$/, '');
  return new Money(cleaned);
}
