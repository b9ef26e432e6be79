/**
 * Which logged items a portfolio's context keeps. The context is, in order: the shared system
 * prefix and the portfolio's brief (the attention sinks: always kept), the log of earlier items
 * (oldest first), then the item being judged and room for its reasoning.
 */
export interface LayoutInput {
  /** Tokens of the system prefix and the brief. */
  readonly fixedTokens: number;
  /** Tokens of each logged item, oldest first. */
  readonly logTokens: readonly number[];
  /** Tokens of the item being judged, with room for what is generated after it. */
  readonly itemTokens: number;
  /** Most tokens the context may hold (the model's positions, or a longer local-global limit). */
  readonly limit: number;
}

export interface Layout {
  /** Index of the first logged item kept: items before it leave the context. */
  readonly firstKept: number;
  /** Tokens of the context as laid out, the item and its room included. */
  readonly tokens: number;
}

/**
 * Keeps every item while the context fits `limit`. When it does not, the oldest items leave
 * until the log fills at most half of the room it has: a cut changes the context's tokens from
 * the first item cut on, so everything after it is computed again, and cutting deep makes the
 * next cut many items away (the log then grows by appends alone, each served from the cache).
 * The sinks (system prefix and brief) never leave; a log that cannot fit at all is emptied.
 */
export function layoutContext(input: LayoutInput): Layout {
  const { fixedTokens, logTokens, itemTokens, limit } = input;
  const room = limit - fixedTokens - itemTokens;
  let first = 0;
  let logSize = logTokens.reduce((a, b) => a + b, 0);
  if (logSize > room) {
    const target = Math.max(0, Math.floor(room / 2));
    while (first < logTokens.length && logSize > target) logSize -= logTokens[first++];
  }
  return { firstKept: first, tokens: fixedTokens + logSize + itemTokens };
}
