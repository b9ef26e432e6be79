import type { PathEdge } from './graph-types';

/** 0.4 → "40%", 0.079 → "7.9%", 0.0004 → "0.04%". */
export function percent(weight: number): string {
  const pct = weight * 100;
  const digits = pct >= 1 ? 1 : 2;
  return `${Number(pct.toFixed(digits))}%`;
}

/** One edge in words, with names for its ends (docs/knowledge-graph.md § Explanations). */
export function describeEdge(edge: PathEdge, nameOf: (idOrSymbol: string) => string): string {
  const from = nameOf(edge.from);
  const to = nameOf(edge.to);
  const w = percent(edge.weight);
  switch (edge.kind) {
    case 'supplier_of':
      return `${from} supplies ${w} of ${to}`;
    case 'customer_of':
      return `${from} buys ${w} of ${to}'s output`;
    case 'subsidiary_of':
      return `${from} is ${w} owned by ${to}`;
    case 'competitor_of':
      return `${from} competes with ${to} (tie ${w})`;
    case 'peer_of':
      return `${from} is a peer of ${to} (tie ${w})`;
    case 'constituent_of':
      return `${from} is ${w} of ${to}`;
    case 'underlying_of':
      return `${to} is written on ${from}`;
    case 'exposed_to':
      return `${to} is exposed to ${from.replace(/^[a-z]+:/, '')} (${w})`;
  }
}

/**
 * A path and the holding it reaches in one sentence: "Kestrel Components supplies 40% of
 * Harrowgate Devices; you hold Harrowgate at 7.9% of nav".
 */
export function describePath(
  path: readonly PathEdge[],
  nameOf: (idOrSymbol: string) => string,
  holding?: { name: string; weightOfNav: number },
): string {
  const parts = path.map((e) => describeEdge(e, nameOf));
  if (holding) {
    const verb = holding.weightOfNav < 0 ? 'are short' : 'hold';
    parts.push(`you ${verb} ${holding.name} at ${percent(Math.abs(holding.weightOfNav))} of nav`);
  }
  return parts.join('; ');
}
