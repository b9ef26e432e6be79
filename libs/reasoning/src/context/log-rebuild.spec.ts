import { reasoningSteps, type ReasoningJudgement } from '@risk/scoring';
import { logItemFromSteps, logItemsFromEvaluations } from './log-rebuild';

const judgement = (newsId: string, headline: string, shown: string | null): ReasoningJudgement => ({
  newsId,
  headline,
  symbol: 'ACME',
  exposure: { side: 'short', quantity: -300, price: 41.2, sharePct: 2.6 },
  probabilities: { severe_negative: 0.1, negative: 0.2, neutral: 0.3, positive: 0.4 },
  impact: 'positive',
  severity: null,
  rawChainOfThought: shown,
  shownChainOfThought: shown,
  grounding:
    shown === null ? null : { checked: 3, matched: 2, corrected: 1, dropped: 0, stepsDropped: 0 },
  model: 'risk-reasoner@1.1.0',
});

describe('logItemFromSteps', () => {
  it('reads back the item an evaluation explained (headline with quotes, shown reasoning)', () => {
    const steps = [
      { kind: 'metric', text: 'var', data: {} },
      ...reasoningSteps(judgement('n-1', 'ACME "beats", exposure grows', 'Event: a beat.')),
    ];
    expect(logItemFromSteps(steps)).toEqual({
      headline: 'ACME "beats", exposure grows',
      body: '',
      exposure: { symbol: 'ACME', side: 'short', quantity: -300, price: 41.2, sharePct: 2.6 },
      chainOfThought: 'Event: a beat.',
      impact: 'positive',
    });
  });

  it('has no reasoning text when none was shown, and no item without a reasoning step', () => {
    expect(
      logItemFromSteps(reasoningSteps(judgement('n-2', 'ACME cuts', null)))?.chainOfThought,
    ).toBe('');
    expect(
      logItemFromSteps(reasoningSteps(judgement('n-2', 'ACME cuts', '')))?.chainOfThought,
    ).toBe('');
    expect(logItemFromSteps([{ kind: 'metric', text: 'var 1%' }])).toBeNull();
  });

  it('keeps the last items, oldest first', () => {
    const evaluations = ['a', 'b', 'c'].map((h) => ({
      steps: reasoningSteps(judgement(h, h, 'x')),
    }));
    expect(logItemsFromEvaluations(evaluations, 2).map((i) => i.headline)).toEqual(['b', 'c']);
  });
});
