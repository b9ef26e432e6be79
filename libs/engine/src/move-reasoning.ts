import type { ExplanationStep, RiskLevel } from '@risk/contracts';
import type { ReasoningGates } from '@risk/platform';
import { NEWS_FLOOR, type ReasoningJudgement } from '@risk/scoring';

/**
 * A price move as the instrument book saw it on one applied tick: the return against the
 * symbol's previous price and its z-score (ln(p / p_prev) in σ of the EWMA volatility over the
 * elapsed time, the figure LARGE_MOVE_SIGMA is compared with).
 */
export interface PriceMove {
  tickId: string;
  symbol: string;
  ts: number;
  /** p / p_prev − 1. */
  ret: number;
  z: number;
  /** |z| ≥ LARGE_MOVE_SIGMA. */
  large: boolean;
}

/** The move with the larger |z|; `b` on a tie (the later one where `b` is the newer). */
export function strongerMove(a: PriceMove | null, b: PriceMove | null): PriceMove | null {
  if (!a) return b;
  if (!b) return a;
  return Math.abs(b.z) >= Math.abs(a.z) ? b : a;
}

/** The item id a move judgement carries (`ReasoningJudgement.newsId`). */
export const moveItemId = (tickId: string): string => `move:${tickId}`;

/** The move as the reasoner was trained to read it (event kinds `price_drop` / `price_jump`). */
export function moveItem(m: Pick<PriceMove, 'symbol' | 'ret' | 'z'>): {
  headline: string;
  body: string;
} {
  const pct = (Math.abs(m.ret) * 100).toFixed(1);
  return {
    headline:
      m.ret < 0 ? `${m.symbol} falls ${pct}% in minutes` : `${m.symbol} jumps ${pct}% in minutes`,
    body: `The move is ${Math.abs(m.z).toFixed(1)} standard deviations of its recent volatility.`,
  };
}

/** Gate `moves`: the move to judge before scoring — the portfolio's largest one, if large. */
export function moveToJudgeFirst(gates: ReasoningGates, move: PriceMove | null): PriceMove | null {
  return gates.moves && move?.large ? move : null;
}

/**
 * Gate `levels`: after an evaluation that ran no language model, the move to judge when the
 * level differs from the portfolio's previous evaluated level (none before its first one).
 */
export function moveToJudgeOnLevelChange(
  gates: ReasoningGates,
  move: PriceMove | null,
  previous: RiskLevel | null,
  level: RiskLevel,
): PriceMove | null {
  return gates.levels && move && previous !== null && level !== previous ? move : null;
}

/** Why a move was judged: it was large, or the evaluation without it changed the level. */
export type MoveWhy = { gate: 'moves' } | { gate: 'levels'; from: RiskLevel; to: RiskLevel };

/** The first explanation step of an evaluation that judged a move: which move, and why. */
export function moveStep(m: PriceMove, why: MoveWhy): ExplanationStep {
  const reason =
    why.gate === 'moves'
      ? `a large move (|z| ≥ LARGE_MOVE_SIGMA)`
      : `without it the level would have changed from ${why.from} to ${why.to}; the largest move since the last tick evaluation`;
  return {
    kind: 'metric',
    text: `tick ${m.tickId}: "${moveItem(m).headline}" (z ${m.z.toFixed(1)}), judged by the reasoning model: ${reason}`,
    data: { tickId: m.tickId, symbol: m.symbol, return: m.ret, z: m.z, gate: why.gate },
  };
}

type FloorNews = { pSevereNegative: number; sharePct: number; newsId: string };

/**
 * What the merge's news floor sees: the judgement this evaluation ran (news or a move) when it
 * reaches the floor, else the portfolio's latest news judgement. A move judgement thus floors
 * the evaluation that carries it without becoming the trees' news features (`lastNews`).
 */
export function floorNewsInput(
  lastNews: FloorNews | null | undefined,
  judgement: ReasoningJudgement | null | undefined,
): FloorNews | null {
  const last = lastNews
    ? {
        pSevereNegative: lastNews.pSevereNegative,
        sharePct: lastNews.sharePct,
        newsId: lastNews.newsId,
      }
    : null;
  if (!judgement) return last;
  const judged = {
    pSevereNegative: judgement.probabilities.severe_negative,
    sharePct: judgement.exposure.sharePct,
    newsId: judgement.newsId,
  };
  const floors =
    judged.pSevereNegative >= NEWS_FLOOR.pSevereNegative &&
    judged.sharePct >= NEWS_FLOOR.minSharePct;
  return floors ? judged : (last ?? judged);
}
