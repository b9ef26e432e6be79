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
