import { TickProgress, type JudgeGate, type JudgeItem, type Judgement } from '@risk/engine';
import { Judge } from '../ports/judge';
import { EngineLock } from '../state/engine-lock';
import {
  TOPICS,
  config,
  evaluationsTakingAll,
  judged,
  layout,
  metrics,
  newCore,
  portfolio,
  reporter,
  scorerOn,
} from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import { ApplyTicksUseCase, type TickBatch } from './apply-ticks.use-case';
import { FlushTicksUseCase } from './flush-ticks.use-case';

const at = Date.parse('2026-11-30T09:30:00.000Z');
const batch = (...ticks: [id: string, symbol: string, price: number, s: number][]): TickBatch => ({
  topic: TOPICS.ticks,
  partition: 0,
  ticks: ticks.map(([id, symbol, price, s]) => ({
    tick: { id, symbol, price, ts: new Date(at + s * 1000).toISOString() },
    tsMs: at + s * 1000,
  })),
  messages: ticks.length,
  invalid: 0,
  lastOffset: String(10 + ticks.length),
  lag: 5,
});

function setup(gates: { moves?: boolean } = {}) {
  const core = newCore();
  core.install(portfolio('pf-a', [{ symbol: 'AAPL', quantity: 100, price: 100 }]));
  core.install(portfolio('pf-b', [{ symbol: 'MSFT', quantity: 10, price: 100 }]));
  const cfg = config({ moves: gates.moves ?? true, levels: false });
  const progress = new TickProgress({ [`${TOPICS.ticks}:0`]: '7' });
  const superseded: string[] = [];
  /** Move judgements in flight, by portfolio: a superseded one is judged as none. */
  const pending = new Map<string, (j: Judgement | undefined) => void>();
  const judge = jest.fn(
    (pid: string, _item: JudgeItem, _gate: JudgeGate) =>
      new Promise<Judgement | undefined>((r) => pending.set(pid, r)),
  );
  const port = strictMock<Judge>('judge', {
    judge,
    supersedeMoves: (pid) => {
      superseded.push(pid);
      pending.get(pid)?.(undefined);
    },
  });
  const apply = new ApplyTicksUseCase(cfg, metrics(), port, core, progress);
  const evaluations = evaluationsTakingAll();
  const flush = new FlushTicksUseCase(
    cfg,
    TOPICS,
    core,
    new EngineLock(),
    progress,
    layout(),
    scorerOn(core),
    port,
    evaluations.repo,
    reporter().committed,
  );
  return { apply, flush, judge, pending, superseded, evaluations };
}

describe('ApplyTicksUseCase', () => {
  it('a large move the next flush will judge supersedes the move judgements of its holders', () => {
    const { apply, superseded } = setup();
    apply.execute(batch(['t1', 'AAPL', 100, 1], ['m1', 'MSFT', 100, 1]));
    expect(superseded).toEqual([]);
    // −6 % in a second: far beyond 3 σ; MSFT +0.01 % is not a large move.
    expect(apply.execute(batch(['t2', 'AAPL', 94, 2], ['m2', 'MSFT', 100.01, 2]))).toBe(true);
    expect(superseded).toEqual(['pf-a']);
  });

  it('supersedes nothing when large moves are not judged (gate moves off)', () => {
    const { apply, superseded } = setup({ moves: false });
    apply.execute(batch(['t1', 'AAPL', 100, 1], ['t2', 'AAPL', 94, 2]));
    expect(superseded).toEqual([]);
  });

  it('the stale judgement is dropped, its evaluation committed without it; the next flush judges the newer move', async () => {
    const { apply, flush, judge, pending, evaluations } = setup();
    apply.execute(batch(['t1', 'AAPL', 100, 1], ['t2', 'AAPL', 94, 2]));
    const first = flush.execute();
    await new Promise((r) => setImmediate(r));
    expect(judge.mock.calls.map(([pid, item]) => [pid, item.id])).toEqual([['pf-a', 'move:t2']]);
    // A newer large move arrives while t2 is being judged.
    apply.execute(batch(['t3', 'AAPL', 85, 3]));
    await first;
    const [firstOutcomes] = evaluations.commit.mock.calls[0];
    expect(firstOutcomes.map((o) => o.evaluation.portfolioId)).toEqual(['pf-a']);
    expect(firstOutcomes[0].evaluation.explanation.steps.some((s) => s.kind === 'reasoning')).toBe(
      false,
    );
    const second = flush.execute();
    await new Promise((r) => setImmediate(r));
    expect(judge.mock.calls.map(([, item]) => item.id)).toEqual(['move:t2', 'move:t3']);
    pending.get('pf-a')!(judged('move:t3', 'AAPL', 0.3));
    await second;
    // calls[1]: the first flush's price state and offsets.
    const [secondOutcomes] = evaluations.commit.mock.calls[2];
    const steps = secondOutcomes[0].evaluation.explanation.steps;
    expect(steps[0].text).toMatch(/^tick t3: "AAPL falls 9.6% in minutes"/);
    expect(steps.some((s) => s.kind === 'reasoning')).toBe(true);
  });
});
