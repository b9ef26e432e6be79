import { TickProgress, type JudgeGate, type JudgeItem } from '@risk/engine';
import type { Tick } from '@risk/contracts';
import { Judge, type Deadline } from '../ports/judge';
import { EngineLock } from '../state/engine-lock';
import {
  TOPICS,
  config,
  evaluationsTakingAll,
  judged,
  layout,
  newCore,
  portfolio,
  reporter,
  scorerOn,
} from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import { FlushTicksUseCase } from './flush-ticks.use-case';

const tick = (id: string, symbol: string, price: number): Tick => ({
  id,
  symbol,
  price,
  ts: '2026-11-30T09:30:00.000Z',
});

function setup(
  gates: { moves?: boolean; levels?: boolean } = {},
  settings: Parameters<typeof config>[1] = {},
) {
  const core = newCore();
  core.install(portfolio('pf-a', [{ symbol: 'AAPL', quantity: 100, price: 100 }]));
  core.install(portfolio('pf-b', [{ symbol: 'MSFT', quantity: 10, price: 100 }]));
  const lock = new EngineLock();
  const ticks = new TickProgress({ [`${TOPICS.ticks}:0`]: '7' });
  const evaluations = evaluationsTakingAll();
  const rep = reporter();
  const judge = jest.fn(
    async (_pid: string, item: JudgeItem, _gate: JudgeGate, _deadline?: Deadline) =>
      judged(item.id, item.symbols[0], 0.3),
  );
  const useCase = new FlushTicksUseCase(
    config({ moves: gates.moves ?? false, levels: gates.levels ?? false }, settings),
    TOPICS,
    core,
    lock,
    ticks,
    layout(),
    scorerOn(core),
    strictMock<Judge>('judge', { judge }),
    evaluations.repo,
    rep.committed,
  );
  /** Applies ticks as the ticks handler does: in memory, counted with their offsets. */
  const apply = (...batch: Tick[]) => {
    for (const t of batch) core.applyTick(t, Date.parse(t.ts) + Number(t.id.slice(1)) * 1000);
    ticks.record(TOPICS.ticks, 0, String(9 + batch.length), batch.length);
  };
  return { core, lock, ticks, evaluations, rep, judge, useCase, apply };
}

describe('FlushTicksUseCase', () => {
  it('does nothing when no tick arrived since the last flush', async () => {
    const { evaluations, useCase } = setup();
    await expect(useCase.execute()).resolves.toBeNull();
    expect(evaluations.commit).not.toHaveBeenCalled();
  });

  it('evaluates the dirty portfolios and saves the price state with the offsets it covers', async () => {
    const { core, ticks, evaluations, rep, judge, useCase, apply } = setup();
    apply(tick('t1', 'AAPL', 100), tick('t2', 'AAPL', 101));
    const offsets = await useCase.execute();

    expect(offsets).toEqual({ [`${TOPICS.ticks}:0`]: '12' });
    // The evaluations first, then (once they are durable) the price state with the offsets.
    const [[outcomes, none], [noOutcomes, engineState]] = evaluations.commit.mock.calls;
    expect(outcomes.map((o) => [o.evaluation.portfolioId, o.source.eventId])).toEqual([
      ['pf-a', 't2'],
    ]);
    expect(none).toBeUndefined();
    expect(noOutcomes).toEqual([]);
    expect(engineState).toMatchObject({ instanceId: 'engine-test', tickOffsets: offsets });
    expect(judge).not.toHaveBeenCalled();
    expect(core.hasDirty()).toBe(false);
    expect(core.portfolios.get('pf-a')?.lastLevel).toBe(outcomes[0].evaluation.level);
    expect(ticks.sinceFlush).toBe(0);
    expect(rep.report).toHaveBeenCalledWith(outcomes, 'ticks', expect.any(Number));
  });

  it('puts the dirty set back and keeps the ticks counted when the commit fails', async () => {
    const { core, ticks, evaluations, useCase, apply } = setup();
    apply(tick('t1', 'AAPL', 100), tick('t2', 'AAPL', 101));
    evaluations.commit.mockRejectedValueOnce(new Error('connection lost'));
    await expect(useCase.execute()).rejects.toThrow('connection lost');
    expect(core.hasDirty()).toBe(true);
    expect(core.portfolios.get('pf-a')?.lastLevel).toBeNull();
    expect(ticks.sinceFlush).toBe(2);
    // The next flush retries it.
    await expect(useCase.execute()).resolves.toEqual({ [`${TOPICS.ticks}:0`]: '12' });
    expect(core.hasDirty()).toBe(false);
  });

  it('judges a large move (gate moves) outside the lock and carries the judgement', async () => {
    const { lock, evaluations, judge, useCase, apply } = setup({ moves: true });
    const lockFree: boolean[] = [];
    judge.mockImplementation(async (_pid, item) => {
      lockFree.push(
        await Promise.race([
          lock.run(async () => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
        ]),
      );
      return judged(item.id, 'AAPL', 0.3);
    });
    // −6 % in a second: far beyond 3 σ of the seed volatility.
    apply(tick('t1', 'AAPL', 100), tick('t2', 'AAPL', 94));
    await useCase.execute();

    expect(judge.mock.calls.map(([pid, item, gate]) => [pid, item.id, gate])).toEqual([
      ['pf-a', 'move:t2', 'moves'],
    ]);
    expect(lockFree).toEqual([true]);
    const [outcomes] = evaluations.commit.mock.calls[0];
    const steps = outcomes[0].evaluation.explanation.steps;
    expect(steps[0].text).toMatch(/^tick t2: "AAPL falls 6.0% in minutes"/);
    expect(steps.some((s) => s.kind === 'reasoning')).toBe(true);
  });

  it('re-scores a portfolio whose state changed while the model judged', async () => {
    const { core, evaluations, judge, useCase, apply } = setup({ moves: true });
    judge.mockImplementation(async (_pid, item) => {
      // A snapshot lands meanwhile: more cash.
      const s = core.portfolios.get('pf-a')!;
      core.install({ ...s, snapshot: { ...s.snapshot, cash: 500_000 } });
      return judged(item.id, 'AAPL');
    });
    apply(tick('t1', 'AAPL', 100), tick('t2', 'AAPL', 94));
    await useCase.execute();
    const [outcomes] = evaluations.commit.mock.calls[0];
    expect(outcomes[0].evaluation.metrics.nav).toBeCloseTo(500_000 + 100 * 94, 6);
  });

  it('waits for move judgements until REASONING_MOVE_BUDGET_MS after the flush started', async () => {
    const { judge, useCase, apply } = setup({ moves: true }, { reasoningMoveBudgetMs: 250 });
    apply(tick('t1', 'AAPL', 100), tick('t2', 'AAPL', 94));
    const before = performance.now();
    await useCase.execute();
    const deadline = judge.mock.calls[0][3];
    expect(deadline?.budgetMs).toBe(250);
    // From the flush's start: at most 250 ms after this test's clock read before it.
    expect(deadline!.at).toBeGreaterThanOrEqual(before + 250);
    expect(deadline!.at).toBeLessThanOrEqual(performance.now() + 250);
  });

  it('commits a judged portfolio as soon as its judgement is back, not after the whole flush', async () => {
    const { core, evaluations, judge, useCase, apply } = setup({ moves: true });
    for (let i = 0; i < 150; i++)
      core.install(portfolio(`pf-${i}`, [{ symbol: 'MSFT', quantity: 10 + i, price: 100 }]));
    // AAPL −6 %: pf-a's move is judged (at once here); MSFT +0.01 %: 150 plain evaluations.
    apply(
      tick('t1', 'AAPL', 100),
      tick('t2', 'AAPL', 94),
      tick('t3', 'MSFT', 100),
      tick('t4', 'MSFT', 100.01),
    );
    await useCase.execute();
    expect(judge).toHaveBeenCalledTimes(1);
    const parts = evaluations.commit.mock.calls.map(([o]) =>
      o.map((x) => x.evaluation.portfolioId),
    );
    const judgedPart = parts.findIndex((p) => p.includes('pf-a'));
    const lastPlainPart = parts.findIndex((p) => p.includes('pf-149'));
    expect(parts.flat()).toHaveLength(152);
    expect(judgedPart).toBeGreaterThanOrEqual(0);
    expect(judgedPart).toBeLessThan(lastPlainPart);
  });

  it('frees the engine lock between chunks of a large flush, and commits each portfolio once, in parts', async () => {
    const { core, lock, evaluations, useCase, apply } = setup();
    for (let i = 0; i < 150; i++)
      core.install(portfolio(`pf-${i}`, [{ symbol: 'AAPL', quantity: 10 + i, price: 100 }]));
    const turns = jest.spyOn(lock, 'run');
    apply(tick('t1', 'AAPL', 100), tick('t2', 'AAPL', 101));
    await useCase.execute();
    // Taking the dirty set, at least 2 turns planning (the first takes 16 of the 151
    // portfolios), 2 deciding commits, the price state's.
    expect(turns.mock.calls.length).toBeGreaterThanOrEqual(6);
    // Committed in parts (64 first), then the price state and offsets in a commit of their own.
    const calls = evaluations.commit.mock.calls;
    expect(calls.length).toBeGreaterThan(1);
    const outcomes = calls.flatMap(([o]) => o);
    expect(outcomes).toHaveLength(151);
    expect(new Set(outcomes.map((o) => o.evaluation.portfolioId)).size).toBe(151);
    expect(calls.map(([, state]) => state !== undefined)).toEqual([
      ...calls.slice(1).map(() => false),
      true,
    ]);
    expect(calls[calls.length - 1][0]).toEqual([]);
  });

  it('a flush whose portfolios all left commits once: the price state and offsets, no evaluation', async () => {
    const { core, evaluations, useCase, apply } = setup();
    apply(tick('t1', 'AAPL', 100), tick('t2', 'AAPL', 101));
    core.drop('pf-a');
    await expect(useCase.execute()).resolves.toEqual({ [`${TOPICS.ticks}:0`]: '12' });
    expect(evaluations.commit).toHaveBeenCalledTimes(1);
    const [outcomes, engineState] = evaluations.commit.mock.calls[0];
    expect(outcomes).toEqual([]);
    expect(engineState).toMatchObject({ tickOffsets: { [`${TOPICS.ticks}:0`]: '12' } });
  });
});
