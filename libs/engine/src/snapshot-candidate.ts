import type { ExplanationStep, PositionsSnapshot } from '@risk/contracts';
import type { PortfolioState } from './engine-core';

/**
 * The state a positions snapshot proposes: its holdings, with the peak, level and breaches the
 * portfolio had (none for a new one). Installed only once its evaluation is durable. `partition`
 * is the one it arrived on: it decides which instance owns the portfolio from now on.
 */
export function snapshotCandidate(
  s: PositionsSnapshot,
  topic: string,
  partition: number,
  snapshotId: string,
  current: PortfolioState | undefined,
): PortfolioState {
  return {
    id: s.portfolioId,
    snapshot: {
      id: snapshotId,
      portfolioId: s.portfolioId,
      sourceTopic: topic,
      sourceId: s.id,
      sourcePartition: partition,
      ts: s.ts,
      baseCurrency: s.baseCurrency,
      cash: s.cash,
      positions: s.positions,
      limits: s.limits ?? null,
    },
    peakNav: current?.peakNav ?? null,
    lastLevel: current?.lastLevel ?? null,
    breaches: current?.breaches ?? [],
  };
}

/** The first explanation step of a snapshot's evaluation. */
export function snapshotStep(s: PositionsSnapshot): ExplanationStep {
  return {
    kind: 'metric',
    text: `positions snapshot ${s.id}: ${s.positions.length} positions, cash ${s.cash}`,
    data: { snapshotId: s.id, positions: s.positions.length },
  };
}
