/**
 * What the reasoning model is told about a book (pure): the portfolio's exposure to the symbols
 * an item is about, and the book's snapshot line. The risk engine and the tree training's replay
 * (models/scripts/train-trees.ts) both describe books through these, so the model is asked the
 * same way in both.
 */

/** One position line of a snapshot: quantity, and the snapshot's price if it carried one. */
export interface HeldPosition {
  symbol: string;
  quantity: number;
  price?: number;
}

/** The portfolio's exposure to one symbol, as the reasoning model is told it. */
export interface SymbolExposure {
  symbol: string;
  side: 'long' | 'short' | 'none';
  quantity: number;
  price: number;
  /** |v| / nav in percent (of gross exposure when nav ≤ 0). */
  sharePct: number;
}

/** The book as its snapshot line states it (RiskReasoner's `book`). */
export interface BookSnapshot {
  holdings: { symbol: string; side: 'long' | 'short'; sharePct: number }[];
  grossPct: number;
}

/** Net quantity and value per symbol at `priceOf`, and the base shares are taken of. */
function valued(
  cash: number,
  positions: readonly HeldPosition[],
  priceOf: (p: HeldPosition) => number | undefined,
): { values: Map<string, { q: number; p: number; v: number }>; base: number; gross: number } {
  const values = new Map<string, { q: number; p: number; v: number }>();
  for (const pos of positions) {
    const p = priceOf(pos);
    if (p === undefined) continue;
    const q = (values.get(pos.symbol)?.q ?? 0) + pos.quantity;
    values.set(pos.symbol, { q, p, v: q * p });
  }
  let nav = cash;
  let gross = 0;
  for (const { v } of values.values()) {
    nav += v;
    gross += Math.abs(v);
  }
  return { values, base: nav > 0 ? nav : gross, gross };
}

/**
 * The held symbol among `symbols` with the largest |value| (ties: the first listed), valued at
 * `priceOf` (the service: the last price, else the snapshot's), with its share of nav.
 */
export function largestExposure(
  cash: number,
  positions: readonly HeldPosition[],
  symbols: readonly string[],
  priceOf: (p: HeldPosition) => number | undefined,
): SymbolExposure | null {
  const { values, base } = valued(cash, positions, priceOf);
  let best: SymbolExposure | null = null;
  for (const symbol of symbols) {
    const e = values.get(symbol);
    if (!e || e.q === 0) continue;
    const sharePct = base > 0 ? (Math.abs(e.v) / base) * 100 : 0;
    if (!best || sharePct > best.sharePct) {
      best = {
        symbol,
        side: e.q > 0 ? 'long' : 'short',
        quantity: Math.abs(e.q),
        price: e.p,
        sharePct,
      };
    }
  }
  return best;
}

/**
 * Every holding's side and share of nav, and the gross exposure, valued at `priceOf` (the
 * service: the snapshot's own prices, so the line changes with a new snapshot, not every tick).
 */
export function bookSnapshot(
  cash: number,
  positions: readonly HeldPosition[],
  priceOf: (p: HeldPosition) => number | undefined,
): BookSnapshot {
  const { values, base, gross } = valued(cash, positions, priceOf);
  if (!(base > 0)) return { holdings: [], grossPct: 0 };
  const holdings = [...values]
    .filter(([, e]) => e.v !== 0)
    .map(([symbol, e]) => ({
      symbol,
      side: e.v > 0 ? ('long' as const) : ('short' as const),
      sharePct: (Math.abs(e.v) / base) * 100,
    }));
  return { holdings, grossPct: (gross / base) * 100 };
}
