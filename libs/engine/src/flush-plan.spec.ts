import type { RiskLevel } from '@risk/contracts';
import type { DirtyPortfolio, EvaluateArgs, Evaluated, PortfolioState } from './engine-core';
import { evaluateFlushItem, planDirty } from './flush-plan';
import type { Judgement } from './judgement';
import type { PriceMove } from './move-reasoning';

const ALL = { news: true, moves: true, levels: true };
const move = (large: boolean): PriceMove => ({
  tickId: 't2',
  symbol: 'AAPL',
  ts: 2,
  ret: large ? -0.06 : -0.001,
  z: large ? -7 : -0.1,
  large,
});
const state = (lastLevel: RiskLevel | null): PortfolioState =>
  ({ id: 'pf-a', lastLevel }) as unknown as PortfolioState;
const dirty = (m: PriceMove | null): DirtyPortfolio => ({
  portfolioId: 'pf-a',
  tick: { id: 't2', ts: 2 },
  move: m,
});
const judgement = {} as Judgement;

/** An evaluation at `level`, recording the arguments it was made from. */
function evaluator(level: (args: EvaluateArgs) => RiskLevel) {
  const calls: EvaluateArgs[] = [];
  const evaluate = (args: EvaluateArgs): Evaluated => {
    calls.push(args);
    return { outcome: { evaluation: { level: level(args) } } } as unknown as Evaluated;
  };
  return { calls, evaluate };
}

describe('planDirty', () => {
  it('judges a large move first, before any evaluation (gate moves)', () => {
    const e = evaluator(() => 'LOW');
    const s = state('LOW');
    const item = planDirty(ALL, dirty(move(true)), s, { state: s } as EvaluateArgs, e.evaluate);
    expect(e.calls).toHaveLength(0);
    expect(item.judge).toEqual({ move: move(true), why: { gate: 'moves' } });
    expect(item.plain).toBeUndefined();
  });

  it('judges a small move only when the plain evaluation changes the level (gate levels)', () => {
    const s = state('LOW');
    const same = evaluator(() => 'LOW');
    const kept = planDirty(ALL, dirty(move(false)), s, { state: s } as EvaluateArgs, same.evaluate);
    expect(kept.judge).toBeUndefined();
    // Without a judgement to come, the arguments are not kept: the plain evaluation stands.
    expect(kept.args).toBeUndefined();
    expect(kept.plain).toBeDefined();

    const up = evaluator(() => 'HIGH');
    const judged = planDirty(ALL, dirty(move(false)), s, { state: s } as EvaluateArgs, up.evaluate);
    expect(judged.judge?.why).toEqual({ gate: 'levels', from: 'LOW', to: 'HIGH' });
    expect(judged.args).toBeDefined();
  });

  it('judges nothing when the gates are off', () => {
    const e = evaluator(() => 'HIGH');
    const s = state('LOW');
    const off = { news: false, moves: false, levels: false };
    const item = planDirty(off, dirty(move(true)), s, { state: s } as EvaluateArgs, e.evaluate);
    expect(item.judge).toBeUndefined();
    expect(e.calls).toHaveLength(1);
  });
});

describe('evaluateFlushItem', () => {
  it('keeps the planned evaluation of an unchanged portfolio without a judgement', () => {
    const e = evaluator(() => 'LOW');
    const s = state('LOW');
    const item = planDirty(ALL, dirty(move(false)), s, { state: s } as EvaluateArgs, e.evaluate);
    expect(evaluateFlushItem(item, undefined, s, e.evaluate)).toBe(item.plain);
    expect(e.calls).toHaveLength(1);
  });

  it('evaluates with the judgement and its move step', () => {
    const e = evaluator(() => 'HIGH');
    const s = state('LOW');
    const item = planDirty(ALL, dirty(move(true)), s, { state: s } as EvaluateArgs, e.evaluate);
    evaluateFlushItem(item, judgement, s, e.evaluate);
    const last = e.calls[e.calls.length - 1];
    expect(last.reasoning).toBe(judgement);
    expect(last.context?.[0].text).toMatch(/^tick t2: "AAPL falls 6.0% in minutes"/);
  });

  it('drops a levels judgement when the current state no longer changes level', () => {
    const up = evaluator(() => 'HIGH');
    const s = state('LOW');
    const item = planDirty(ALL, dirty(move(false)), s, { state: s } as EvaluateArgs, up.evaluate);
    // Meanwhile the portfolio's state moved on: its last level is now HIGH already.
    const now = state('HIGH');
    evaluateFlushItem(item, judgement, now, up.evaluate, { state: now } as EvaluateArgs);
    const last = up.calls[up.calls.length - 1];
    expect(last.reasoning).toBeUndefined();
    expect(last.state).toBe(now);
  });
});
