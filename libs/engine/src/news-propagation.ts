import type { ExplanationStep, NewsEvent } from '@risk/contracts';
import {
  findFactors,
  reachedHoldings,
  relationStep,
  type EntityLinker,
  type KnowledgeGraph,
  type Reached,
  type ReachedHolding,
} from '@risk/knowledge-graph';

/** A portfolio a story reaches: its reached positions, strongest effective exposure first. */
export interface ReachedPortfolio {
  portfolioId: string;
  holdings: ReachedHolding[];
}

/** The text the entity linker and the factor map read. */
const storyText = (n: NewsEvent): string => (n.body ? `${n.headline}\n${n.body}` : n.headline);

function keepStrongest(best: Map<string, Reached>, r: Reached): void {
  const b = best.get(r.symbol);
  if (!b || r.weight > b.weight || (r.weight === b.weight && r.hops < b.hops))
    best.set(r.symbol, r);
}

/**
 * What a story reaches, each symbol once at its strongest path: its own symbols (weight 1, known
 * to the graph or not), the instruments of its entities and of the issuers its headline or body
 * names (exactly, or `fuzzyIssuers`: the encoder stage's, found before), everything up to the
 * graph's bounds from those, and the instruments exposed to the factors it names
 * (docs/knowledge-graph.md § Wiring).
 */
export function storyReach(
  n: NewsEvent,
  graph: KnowledgeGraph,
  linker: EntityLinker,
  fuzzyIssuers: readonly string[] = [],
): Reached[] {
  const text = storyText(n);
  const entities = [
    ...new Set([...(n.entities ?? []), ...linker.issuersIn(text), ...fuzzyIssuers]),
  ];
  const best = new Map<string, Reached>();
  for (const s of n.symbols) keepStrongest(best, { symbol: s, weight: 1, hops: 0, path: [] });
  if (entities.length > 0 || n.symbols.length > 0)
    for (const r of graph.reach({ entities, symbols: n.symbols })) keepStrongest(best, r);
  const factors = findFactors(text);
  if (factors.length > 0) for (const r of graph.reachFactors(factors)) keepStrongest(best, r);
  return [...best.values()];
}

/**
 * The portfolios holding what a story reaches, each with its reached positions (signed share of
 * nav × path weight), the strongest `maxPortfolios` by their strongest effective exposure (ties
 * by id), strongest first. `weightOfNav` is a position's signed share of nav (undefined or 0:
 * not held).
 */
export function reachedPortfolios(
  reached: readonly Reached[],
  holdersOf: (symbol: string) => Iterable<string>,
  weightOfNav: (portfolioId: string, symbol: string) => number | undefined,
  maxPortfolios: number,
): ReachedPortfolio[] {
  const byPortfolio = new Map<string, Reached[]>();
  for (const r of reached)
    for (const pid of holdersOf(r.symbol)) {
      const list = byPortfolio.get(pid);
      if (list) list.push(r);
      else byPortfolio.set(pid, [r]);
    }
  const out: ReachedPortfolio[] = [];
  for (const [portfolioId, rs] of byPortfolio) {
    const weights = new Map<string, number>();
    for (const r of rs) {
      const w = weightOfNav(portfolioId, r.symbol);
      if (w !== undefined && w !== 0) weights.set(r.symbol, w);
    }
    const holdings = reachedHoldings(rs, weights);
    if (holdings.length > 0) out.push({ portfolioId, holdings });
  }
  const strength = (p: ReachedPortfolio) => Math.abs(p.holdings[0].effectiveWeightOfNav);
  out.sort(
    (a, b) =>
      strength(b) - strength(a) ||
      (a.portfolioId < b.portfolioId ? -1 : a.portfolioId > b.portfolioId ? 1 : 0),
  );
  return out.slice(0, maxPortfolios);
}

/** Path weight per reached symbol, for the judgement's effective exposure. */
export function pathWeights(holdings: readonly ReachedHolding[]): Map<string, number> {
  return new Map(holdings.map((h) => [h.symbol, h.reached.weight]));
}

/** At most this many `relation` steps per evaluation: the strongest paths. */
export const MAX_RELATION_STEPS = 3;

/**
 * The `relation` steps of an evaluation: one per position reached through at least one edge,
 * strongest first. A position the story names (or whose issuer it names) needs none.
 */
export function relationSteps(
  holdings: readonly ReachedHolding[],
  graph: Pick<KnowledgeGraph, 'nameOf' | 'shortNameOf'>,
): ExplanationStep[] {
  return holdings
    .filter((h) => h.reached.path.length > 0)
    .slice(0, MAX_RELATION_STEPS)
    .map((h) =>
      relationStep(
        h,
        (s) => graph.nameOf(s),
        (s) => graph.shortNameOf(s),
      ),
    );
}
