import { reasoningSteps, type ReasoningJudgement } from './reasoning-steps';

const base: ReasoningJudgement = {
  newsId: 'n-2',
  headline: 'ACME seeks Chapter 11 protection',
  symbol: 'ACME',
  exposure: { side: 'long', quantity: 2000, price: 40, sharePct: 7.62 },
  probabilities: { severe_negative: 0.9, negative: 0, neutral: 0.05, positive: 0.05 },
  impact: 'severe_negative',
  severity: 'large',
  rawChainOfThought: null,
  shownChainOfThought: null,
  grounding: null,
  model: 'enc@1',
};

describe('reasoning steps with the news understanding', () => {
  it('states the read event, the reused reading, each held name and the combined effect', () => {
    const steps = reasoningSteps({
      ...base,
      understanding: {
        kind: 'going_concern',
        kindProbability: 0.91,
        issuer: { negative: 0.9, neutral: 0.05, positive: 0.05 },
        rumour: false,
        windows: 3,
        duplicateOf: { newsId: 'n-1', cosine: 0.9312 },
        nearest: [
          { kind: 'going_concern', cosine: 0.8, typicalMovePct: 30, direction: -1 },
          { kind: 'routine', cosine: 0.5, typicalMovePct: 0, direction: 0 },
        ],
        exposures: [
          {
            symbol: 'ACME',
            side: 'long',
            sharePct: 7.62,
            impact: 'severe_negative',
            navEffectPct: -2.286,
          },
          {
            symbol: 'GRP.B',
            side: 'short',
            sharePct: 2.86,
            impact: 'positive',
            navEffectPct: 0.858,
          },
        ],
        combinedNavEffectPct: -1.428,
        model: 'enc@1',
      },
    });
    expect(steps).toHaveLength(2);
    expect(steps[1].text).toBe(
      'understood as going concern (91.0%); same news as n-1 (cosine 0.931): its reading reused; ' +
        'read in 3 windows (headline with each body chunk); nearest known events: going concern ' +
        '(typical −30%), routine (typical 0%); long ACME 7.62% of nav → severe negative −2.29% of nav; ' +
        'short GRP.B 2.86% of nav → positive +0.86% of nav; combined −1.43% of nav',
    );
  });

  it('adds no understanding step for a price move (no understanding)', () => {
    expect(reasoningSteps(base)).toHaveLength(1);
  });

  it('says when the language model did not finish within its budget', () => {
    const steps = reasoningSteps({ ...base, unfinishedBudgetMs: 300 });
    expect(steps.map((s) => s.text)).toContain(
      'the language model did not finish within the 300 ms budget: judged by the news understanding alone, without a chain of thought',
    );
    expect(steps.at(-1)?.data).toEqual({ unfinished: true, budgetMs: 300 });
    expect(reasoningSteps(base).some((s) => s.data.unfinished)).toBe(false);
  });
});
