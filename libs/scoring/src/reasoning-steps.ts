import type { ExplanationStep } from '@risk/contracts';

/** The reasoning engine's judgement as the scoring side sees it (no dependency on the runtime). */
export interface ReasoningJudgement {
  newsId: string;
  headline: string;
  symbol: string;
  exposure: { side: 'long' | 'short' | 'none'; quantity: number; price: number; sharePct: number };
  probabilities: { severe_negative: number; negative: number; neutral: number; positive: number };
  impact: 'severe_negative' | 'negative' | 'neutral' | 'positive';
  severity: string | null;
  rawChainOfThought: string | null;
  shownChainOfThought: string | null;
  grounding: {
    checked: number;
    matched: number;
    corrected: number;
    dropped: number;
    stepsDropped: number;
  } | null;
  model: string;
  /** The pretrained encoder's reading of the story (news only; absent for price moves). */
  understanding?: UnderstoodStory;
  /**
   * The language model had not finished within this budget (ms, REASONING_NEWS_BUDGET_MS): the
   * judgement is the news understanding's alone, without a chain of thought.
   */
  unfinishedBudgetMs?: number;
}

/** What the news understanding read in a story, and what it means for each held name. */
export interface UnderstoodStory {
  kind: string;
  kindProbability: number;
  /** The story's direction for the named issuer. */
  issuer: { negative: number; neutral: number; positive: number };
  rumour: boolean;
  /** Windows read: the headline, then the headline with each body chunk. */
  windows: number;
  /** The earlier story this one repeats (another wire): its reading was reused. */
  duplicateOf: { newsId: string; cosine: number } | null;
  /** The known event kinds nearest the headline: the facts the reasoning was given. */
  nearest: { kind: string; cosine: number; typicalMovePct: number; direction: number }[];
  /** Each held name the story is about, judged on its own exposure. */
  exposures: {
    symbol: string;
    side: 'long' | 'short';
    sharePct: number;
    impact: string;
    navEffectPct: number;
  }[];
  /** Sum of the exposures' expected moves, percent of nav. */
  combinedNavEffectPct: number;
  model: string;
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

/**
 * `reasoning` steps of the explanation: the judgement read by constrained scoring, then the
 * model's chain of thought as it may be shown (every figure checked against the inputs), with
 * what the check did.
 */
export function reasoningSteps(j: ReasoningJudgement): ExplanationStep[] {
  const p = j.probabilities;
  const exposure =
    j.exposure.side === 'none'
      ? `no position in ${j.symbol}`
      : `${j.exposure.side} ${j.exposure.quantity} ${j.symbol} at ${j.exposure.price.toFixed(2)} = ${j.exposure.sharePct.toFixed(2)}% of nav`;
  const steps: ExplanationStep[] = [
    {
      kind: 'reasoning',
      text:
        `news ${j.newsId} "${j.headline}", exposure ${exposure}: impact ${j.impact.replace('_', ' ')}` +
        `${j.severity ? `, ${j.severity}` : ''} (severe negative ${pct(p.severe_negative)}, negative ${pct(p.negative)}, ` +
        `neutral ${pct(p.neutral)}, positive ${pct(p.positive)})`,
      data: {
        newsId: j.newsId,
        symbol: j.symbol,
        exposure: j.exposure,
        probabilities: p,
        impact: j.impact,
        severity: j.severity,
        model: j.model,
      },
    },
  ];
  const u = j.understanding;
  if (u) {
    const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}%`;
    const names = u.exposures
      .map(
        (e) =>
          `${e.side} ${e.symbol} ${e.sharePct.toFixed(2)}% of nav → ${e.impact.replace('_', ' ')} ${signed(e.navEffectPct)} of nav`,
      )
      .join('; ');
    steps.push({
      kind: 'reasoning',
      text:
        `understood as ${u.kind.replace(/_/g, ' ')} (${pct(u.kindProbability)})${u.rumour ? ', unconfirmed (no severity)' : ''}` +
        (u.duplicateOf
          ? `; same news as ${u.duplicateOf.newsId} (cosine ${u.duplicateOf.cosine.toFixed(3)}): its reading reused`
          : '') +
        (u.windows > 1 ? `; read in ${u.windows} windows (headline with each body chunk)` : '') +
        `; nearest known events: ${u.nearest.map((n) => `${n.kind.replace(/_/g, ' ')} (typical ${n.direction < 0 ? '−' : n.direction > 0 ? '+' : ''}${n.typicalMovePct}%)`).join(', ')}` +
        `; ${names}` +
        (u.exposures.length > 1 ? `; combined ${signed(u.combinedNavEffectPct)} of nav` : ''),
      data: { understanding: u },
    });
  }
  if (j.unfinishedBudgetMs !== undefined) {
    steps.push({
      kind: 'reasoning',
      text:
        `the language model did not finish within the ${j.unfinishedBudgetMs} ms budget: ` +
        'judged by the news understanding alone, without a chain of thought',
      data: { unfinished: true, budgetMs: j.unfinishedBudgetMs },
    });
  }
  if (j.shownChainOfThought !== null && j.grounding) {
    const g = j.grounding;
    const fixed = g.corrected + g.dropped > 0;
    steps.push({
      kind: 'reasoning',
      text:
        (j.shownChainOfThought.length > 0
          ? j.shownChainOfThought
          : '(no step of the chain of thought could be backed by the inputs)') +
        (fixed
          ? ` [figures checked: ${g.matched} matched, ${g.corrected} corrected, ${g.dropped} dropped]`
          : ''),
      data: { grounding: g, generated: j.rawChainOfThought, corrected: fixed },
    });
  }
  return steps;
}
