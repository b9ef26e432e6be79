import { judgeForHolder, type HolderJudgement } from './holder-judgement';
import type { UnderstoodStory } from '@risk/scoring';
import type { StoryUnderstanding } from './news-understanding';

export interface HeldName {
  symbol: string;
  side: 'long' | 'short' | 'none';
  sharePct: number;
}

/** The story for one portfolio: every held name it is about, and the combined effect. */
export interface StoryJudgement {
  /** The judgement on `primary` (the largest exposure: the one the merge weighs). */
  primary: HolderJudgement;
  /** What the explanation states (its shape is the scoring library's). */
  summary: UnderstoodStory;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Judges each held name of the story on its own side and share (the reading is the story's: one
 * reading for every name, flipped by side), and sums their expected moves. The merge weighs the
 * judgement on `primary`; the explanation states every name and the combined effect.
 */
export function judgeStory(
  u: StoryUnderstanding,
  held: readonly HeldName[],
  primary: string,
): StoryJudgement {
  const names = held.filter((h): h is HeldName & { side: 'long' | 'short' } => h.side !== 'none');
  const judged = names.map((h) => ({ h, j: judgeForHolder(u.reading, h.side, h.sharePct) }));
  const main = judged.find((x) => x.h.symbol === primary);
  if (!main) throw new Error(`${primary} is not among the held names of the story`);
  return {
    primary: main.j,
    summary: {
      kind: u.reading.kind.id,
      kindProbability: round(u.reading.kindProbability, 4),
      issuer: {
        negative: round(u.reading.issuer.negative, 4),
        neutral: round(u.reading.issuer.neutral, 4),
        positive: round(u.reading.issuer.positive, 4),
      },
      rumour: u.reading.rumour,
      windows: u.windows,
      duplicateOf: u.duplicateOf
        ? { newsId: u.duplicateOf.id, cosine: round(u.duplicateOf.cosine, 4) }
        : null,
      nearest: u.nearest.map((n) => ({
        kind: n.kind,
        cosine: round(n.cosine, 4),
        typicalMovePct: n.typicalMovePct,
        direction: n.direction,
      })),
      exposures: judged.map(({ h, j }) => ({
        symbol: h.symbol,
        side: h.side,
        sharePct: round(h.sharePct, 4),
        impact: j.impact,
        navEffectPct: round(j.navEffectPct, 4),
      })),
      combinedNavEffectPct: round(
        judged.reduce((a, { j }) => a + j.navEffectPct, 0),
        4,
      ),
      model: u.model,
    },
  };
}

/**
 * The retrieved fact the decoder's context is given: the nearest known event and its usual move.
 * One short sentence: the decoder's window is small, and a longer line costs the cached context.
 */
export function retrievedFacts(u: StoryUnderstanding): string {
  const n = u.nearest[0];
  if (!n) return '';
  const move =
    n.direction < 0
      ? `down about ${n.typicalMovePct}%`
      : n.direction > 0
        ? `up about ${n.typicalMovePct}%`
        : 'flat';
  return `Known event: ${n.kind.replace(/_/g, ' ')}, usually ${move}.`;
}
