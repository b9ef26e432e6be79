import type { ReasoningJudgement } from '@risk/scoring';
import {
  floorNewsInput,
  moveItem,
  moveItemId,
  moveStep,
  moveToJudgeFirst,
  moveToJudgeOnLevelChange,
  strongerMove,
  type PriceMove,
} from './move-reasoning';

const ALL = { news: true, moves: true, levels: true };
const NONE = { news: false, moves: false, levels: false };

const move = (over: Partial<PriceMove> = {}): PriceMove => ({
  tickId: 't-1',
  symbol: 'ACME',
  ts: 1000,
  ret: -0.0512,
  z: -4.26,
  large: true,
  ...over,
});

function judgement(severe: number, sharePct: number, newsId = 'move:t-1'): ReasoningJudgement {
  return {
    newsId,
    headline: 'ACME falls 5.1% in minutes',
    symbol: 'ACME',
    exposure: { side: 'long', quantity: 100, price: 70, sharePct },
    probabilities: {
      severe_negative: severe,
      negative: (1 - severe) / 2,
      neutral: (1 - severe) / 2,
      positive: 0,
    },
    impact: severe >= 0.5 ? 'severe_negative' : 'negative',
    severity: null,
    rawChainOfThought: null,
    shownChainOfThought: null,
    grounding: null,
    model: 'm@1',
  };
}

describe('move items', () => {
  it('words a fall and a rise as the reasoner was trained (price_drop / price_jump)', () => {
    expect(moveItem({ symbol: 'ACME', ret: -0.0512, z: -4.26 })).toEqual({
      headline: 'ACME falls 5.1% in minutes',
      body: 'The move is 4.3 standard deviations of its recent volatility.',
    });
    expect(moveItem({ symbol: 'BOLT', ret: 0.03, z: 12.04 })).toEqual({
      headline: 'BOLT jumps 3.0% in minutes',
      body: 'The move is 12.0 standard deviations of its recent volatility.',
    });
    expect(moveItemId('t-9')).toBe('move:t-9');
  });

  it('keeps the move with the larger |z|, the later one on a tie', () => {
    const a = move({ tickId: 'a', z: -5 });
    const b = move({ tickId: 'b', z: 3 });
    const c = move({ tickId: 'c', z: 5 });
    expect(strongerMove(null, null)).toBeNull();
    expect(strongerMove(null, b)).toBe(b);
    expect(strongerMove(a, null)).toBe(a);
    expect(strongerMove(a, b)).toBe(a);
    expect(strongerMove(b, a)).toBe(a);
    expect(strongerMove(a, c)).toBe(c);
  });
});

describe('which evaluations run the language model on a move', () => {
  it('gate moves: the largest move since the last flush, only when it is large', () => {
    expect(moveToJudgeFirst(ALL, move())).toEqual(move());
    expect(moveToJudgeFirst(ALL, move({ large: false }))).toBeNull();
    expect(moveToJudgeFirst(ALL, null)).toBeNull();
    expect(moveToJudgeFirst({ ...ALL, moves: false }, move())).toBeNull();
  });

  it('gate levels: only when the level differs from the previous evaluated one', () => {
    const m = move({ large: false });
    expect(moveToJudgeOnLevelChange(ALL, m, 'LOW', 'MEDIUM')).toBe(m);
    expect(moveToJudgeOnLevelChange(ALL, m, 'HIGH', 'MEDIUM')).toBe(m);
    expect(moveToJudgeOnLevelChange(ALL, m, 'MEDIUM', 'MEDIUM')).toBeNull();
    // No previous evaluation: nothing changed.
    expect(moveToJudgeOnLevelChange(ALL, m, null, 'HIGH')).toBeNull();
    // No held symbol priced twice since the last flush: no move to tell the model about.
    expect(moveToJudgeOnLevelChange(ALL, null, 'LOW', 'HIGH')).toBeNull();
    expect(moveToJudgeOnLevelChange({ ...ALL, levels: false }, m, 'LOW', 'HIGH')).toBeNull();
    expect(moveToJudgeOnLevelChange(NONE, m, 'LOW', 'HIGH')).toBeNull();
  });

  it('explains which move was judged and why', () => {
    expect(moveStep(move(), { gate: 'moves' })).toEqual({
      kind: 'metric',
      text: 'tick t-1: "ACME falls 5.1% in minutes" (z -4.3), judged by the reasoning model: a large move (|z| ≥ LARGE_MOVE_SIGMA)',
      data: { tickId: 't-1', symbol: 'ACME', return: -0.0512, z: -4.26, gate: 'moves' },
    });
    expect(moveStep(move(), { gate: 'levels', from: 'LOW', to: 'MEDIUM' }).text).toContain(
      'without it the level would have changed from LOW to MEDIUM',
    );
  });
});

describe('the news floor input', () => {
  const last = {
    newsId: 'n-1',
    tsMs: 0,
    symbols: ['ACME'],
    sharePct: 10,
    pSevereNegative: 0.9,
    pNegative: 0.05,
    pNeutral: 0.05,
    pPositive: 0,
  };
  const quiet = { ...last, pSevereNegative: 0.1 };

  it('is the latest news judgement when the evaluation ran none', () => {
    expect(floorNewsInput(last, undefined)).toEqual({
      newsId: 'n-1',
      sharePct: 10,
      pSevereNegative: 0.9,
    });
    expect(floorNewsInput(undefined, undefined)).toBeNull();
  });

  it("is the evaluation's own judgement when that one reaches the floor", () => {
    expect(floorNewsInput(quiet, judgement(0.7, 3))).toEqual({
      newsId: 'move:t-1',
      sharePct: 3,
      pSevereNegative: 0.7,
    });
  });

  it('keeps a flooring news judgement when the move judgement does not floor', () => {
    expect(floorNewsInput(last, judgement(0.2, 30))?.newsId).toBe('n-1');
    // Severe, but on a position under 2% of nav: no floor from it.
    expect(floorNewsInput(last, judgement(0.9, 1))?.newsId).toBe('n-1');
    expect(floorNewsInput(undefined, judgement(0.2, 30))?.newsId).toBe('move:t-1');
  });
});
