/** The merge's settings as a tree model's metadata carries them (written by tools/trees). */
import type { MergeLogit, ProbabilityBands } from './merge';

/** Reads `merge_logit` metadata (JSON, merge@3); null when absent, malformed or of an earlier merge. */
export function parseMergeLogit(json: string | undefined): MergeLogit | null {
  if (json === undefined) return null;
  try {
    const c = JSON.parse(json) as Record<string, unknown>;
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    const impacts = c.impacts as Record<string, unknown> | undefined;
    if (!finite(c.intercept) || !finite(c.tree) || !finite(c.jump)) return null;
    if (
      !impacts ||
      !finite(impacts.severe) ||
      !finite(impacts.negative) ||
      !finite(impacts.positive)
    )
      return null;
    return {
      intercept: c.intercept,
      tree: c.tree,
      jump: c.jump,
      impacts: { severe: impacts.severe, negative: impacts.negative, positive: impacts.positive },
    };
  } catch {
    return null;
  }
}

/** Reads `merge_bands` metadata (JSON); null when absent or not three increasing numbers in (0, 1]. */
export function parseBands(json: string | undefined): ProbabilityBands | null {
  if (json === undefined) return null;
  try {
    const b = JSON.parse(json) as Record<string, unknown>;
    const [m, h, c] = [b.MEDIUM, b.HIGH, b.CRITICAL];
    if (typeof m !== 'number' || typeof h !== 'number' || typeof c !== 'number') return null;
    if (!(m > 0 && m <= h && h <= c && c <= 1)) return null;
    return { MEDIUM: m, HIGH: h, CRITICAL: c };
  } catch {
    return null;
  }
}
