import type { ExplanationStep } from '@risk/contracts';
import { describePath } from './describe-path';
import type { Reached } from './graph-types';

/** A position a story reaches through the graph, and what the reasoning should see of it. */
export interface ReachedHolding {
  symbol: string;
  /** The position's signed share of nav. */
  weightOfNav: number;
  /** Its share of nav times the path's weight: the exposure the story has through the path. */
  effectiveWeightOfNav: number;
  reached: Reached;
}

/**
 * The positions of one portfolio a story reaches, strongest effective exposure first. A
 * position the story names directly has weight 1 and an empty path.
 */
export function reachedHoldings(
  reached: readonly Reached[],
  weightsOfNav: ReadonlyMap<string, number>,
): ReachedHolding[] {
  const out: ReachedHolding[] = [];
  for (const r of reached) {
    const w = weightsOfNav.get(r.symbol);
    if (w === undefined || w === 0) continue;
    out.push({ symbol: r.symbol, weightOfNav: w, effectiveWeightOfNav: w * r.weight, reached: r });
  }
  return out.sort((a, b) => Math.abs(b.effectiveWeightOfNav) - Math.abs(a.effectiveWeightOfNav));
}

/**
 * The explanation step of kind `relation` for a holding reached through the graph (contract §
 * Reference data): `data.path` lists the edges followed, the text says it in words.
 */
export function relationStep(
  holding: ReachedHolding,
  nameOf: (idOrSymbol: string) => string,
  shortNameOf: (symbol: string) => string,
): ExplanationStep {
  return {
    kind: 'relation',
    text: describePath(holding.reached.path, nameOf, {
      name: shortNameOf(holding.symbol),
      weightOfNav: holding.weightOfNav,
    }),
    data: {
      symbol: holding.symbol,
      path: holding.reached.path,
      pathWeight: holding.reached.weight,
      hops: holding.reached.hops,
      weightOfNav: holding.weightOfNav,
      effectiveWeightOfNav: holding.effectiveWeightOfNav,
    },
  };
}
