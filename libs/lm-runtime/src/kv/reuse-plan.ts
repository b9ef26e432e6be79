import type { SlidingWindowSpec } from '../model-spec';
import type { CachedContext } from './kv-cache.manager';

export function longestCommonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** How to serve a target token sequence from what is cached. */
export interface ReusePlan {
  /** The cache to start from (undefined: from scratch). */
  readonly source: CachedContext | undefined;
  readonly sourceKind: 'own' | 'root' | 'none';
  /** Number of leading target tokens whose K/V are reused. */
  readonly reuse: number;
  /** True when the source already equals the target and has its last logits: nothing to run. */
  readonly exact: boolean;
}

/**
 * Positions a sliding-window cache must still hold so that a sequence of `length` tokens can be
 * extended: the first G, and the last W-1 (the next token sees those and itself).
 */
export function windowPositionsNeeded(length: number, sw: SlidingWindowSpec): number[] {
  const needed: number[] = [];
  const firstRecent = Math.max(0, length - (sw.window - 1));
  for (let p = 0; p < Math.min(sw.globalTokens, firstRecent); p++) needed.push(p);
  for (let p = firstRecent; p < length; p++) needed.push(p);
  return needed;
}

function canRewind(ctx: CachedContext, length: number, sw?: SlidingWindowSpec): boolean {
  if (!sw) return ctx.block.length >= length;
  const have = new Set(ctx.block.positions);
  return windowPositionsNeeded(length, sw).every((p) => have.has(p));
}

function candidate(
  ctx: CachedContext | undefined,
  target: readonly number[],
  sw?: SlidingWindowSpec,
): { reuse: number; exact: boolean } {
  if (!ctx) return { reuse: 0, exact: false };
  const lcp = longestCommonPrefix(ctx.tokens, target);
  const exact = lcp === target.length && ctx.tokens.length === lcp && ctx.lastLogits !== null;
  if (exact && lcp > 0) return { reuse: lcp, exact: true };
  // The last target token is always run so its logits are known.
  const reuse = Math.min(lcp, target.length - 1);
  return reuse > 0 && canRewind(ctx, reuse, sw)
    ? { reuse, exact: false }
    : { reuse: 0, exact: false };
}

/** Picks the longer reusable prefix of the context's own cache and the shared root. */
export function planReuse(
  target: readonly number[],
  own: CachedContext | undefined,
  root: CachedContext | undefined,
  sw?: SlidingWindowSpec,
): ReusePlan {
  const a = candidate(own, target, sw);
  const b = candidate(root, target, sw);
  if (a.reuse === 0 && b.reuse === 0) {
    return { source: undefined, sourceKind: 'none', reuse: 0, exact: false };
  }
  if (a.reuse >= b.reuse) return { source: own, sourceKind: 'own', ...a };
  return { source: root, sourceKind: 'root', ...b };
}
