import type { PortfolioState } from '../engine-core';

/**
 * A portfolio as first installed from a snapshot (tests and benches): snapshot `snap-<id>` of
 * 2026-11-30 09:00Z in USD, no peak, level or breaches yet.
 */
export function portfolioState(
  id: string,
  positions: { symbol: string; quantity: number; price?: number }[],
  options: {
    cash?: number;
    limits?: Record<string, number> | null;
    sourceTopic?: string;
  } = {},
): PortfolioState {
  return {
    id,
    snapshot: {
      id: `snap-${id}`,
      portfolioId: id,
      sourceTopic: options.sourceTopic ?? 'portfolio.positions',
      sourceId: `p-${id}`,
      ts: '2026-11-30T09:00:00.000Z',
      baseCurrency: 'USD',
      cash: options.cash ?? 100_000,
      positions,
      limits: options.limits ?? null,
    },
    peakNav: null,
    lastLevel: null,
    breaches: [],
  };
}
