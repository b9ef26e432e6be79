import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { TopicNames } from '@risk/contracts';
import {
  EngineCore,
  TickProgress,
  evaluateFlushItem,
  moveJudgeItem,
  planDirty,
  type DirtyPortfolio,
  type EvaluateArgs,
  type Evaluated,
  type FlushItem,
  type Judgement,
  type PortfolioState,
} from '@risk/engine';
import { APP_CONFIG, TOPICS, type AppConfig } from '@risk/platform';
import { CommittedOutcomes } from '../ports/committed-outcomes';
import { Judge, deadlineAfter } from '../ports/judge';
import { PortfolioScorer } from '../ports/portfolio-scorer';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { CommitsInFlight } from '../state/commits-in-flight';
import { EngineLock } from '../state/engine-lock';
import { TopicLayout } from '../state/topic-layout';
import { TurnSizer } from '../state/turn-sizer';

/**
 * A flush plans, then evaluates, its portfolios a turn of the engine lock at a time, each turn
 * about `TURN_MS` long (`TurnSizer`): between two turns news, snapshots and the event loop
 * (heartbeats) get their turn, so a flush of 2,000 portfolios never holds the engine for seconds
 * (bench:scale); news turns go first (at most two ahead of each flush turn: EngineLock).
 */
const TURN_MS = 100;

/*
 * A flush commits its evaluations in parts (one transaction each, ~TURN_MS of PostgreSQL work: a
 * part of 250 desk-sized evaluations is ~5 MB with the outbox), each decided in a turn of the lock
 * and written outside it (EngineLock.commit), then the price state and the tick offsets in a
 * transaction of their own once every part is durable. A crash between two commits leaves the
 * earlier parts committed and the tick offsets not: the ticks are read again and their portfolios
 * evaluated again — from the same trigger tick the idempotency claim refuses them, from a later
 * one it is a later evaluation (docs/architecture.md § Effects exactly once).
 */

/**
 * Planning runs at most this long without letting the event loop run (a chunk is ~TURN_MS of
 * synchronous evaluations): news and PostgreSQL replies wait no longer, and a waiting news turn
 * ends the chunk early (bench:scale at 500 portfolios: event loop delay p99 130 ms before).
 */
const YIELD_MS = 10;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Commits of a flush under way at once (adding one more waits for the oldest, so planning runs
 * beside up to two): PostgreSQL writes parts while the engine plans the next (bench:scale: the
 * engine's main thread sat idle a quarter of the time while one commit at a time held the lock;
 * at 500 portfolios, 2 → 3 took tick p99 from 1.34–1.41 s to 1.20–1.28 s over three runs each,
 * 4 no lower and news p99 higher).
 */
const COMMITS_IN_FLIGHT = 3;

interface FlushPlan {
  started: number;
  dirty: DirtyPortfolio[];
  /** Ticks counted in `TickProgress.sinceFlush` when it was taken. */
  ticks: number;
  offsets: Record<string, string>;
  incidentId: string;
  items: FlushItem[];
}

/** A planned portfolio's judgement in flight: `reasoning` once `settled` (undefined: none). */
interface Judging {
  item: FlushItem;
  settled: boolean;
  reasoning: Judgement | undefined;
}

/** A planned portfolio's evaluation, and the state it was made from. */
interface FlushResult {
  item: FlushItem;
  reasoning: Judgement | undefined;
  from: PortfolioState;
  result: Evaluated;
}

/**
 * Evaluates every portfolio a tick touched since the last flush, and saves the price state
 * with the tick offsets it covers. The dirty set is taken in the engine lock, then planned a
 * chunk per turn of the lock and committed in parts as it goes (the PostgreSQL work outside the
 * lock); the language model judges its moves outside the lock, for up to
 * REASONING_MOVE_BUDGET_MS, and those portfolios are evaluated with the judgement and committed
 * after the others. Positions and news are applied between turns: a portfolio they changed
 * after its evaluation is evaluated again, in the commit's turn, from its current state, with
 * the judgement already made. Returns the tick offsets now durable (null: nothing to flush); the
 * caller runs flushes one at a time and commits those offsets.
 */
@Injectable()
export class FlushTicksUseCase {
  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(TOPICS) private readonly topics: TopicNames,
    private readonly core: EngineCore,
    private readonly lock: EngineLock,
    private readonly ticks: TickProgress,
    private readonly layout: TopicLayout,
    private readonly scorer: PortfolioScorer,
    private readonly judge: Judge,
    private readonly evaluations: EvaluationRepository,
    private readonly committed: CommittedOutcomes,
  ) {}

  /** Portfolios planned per turn of the lock, and evaluated per turn (planning costs more). */
  private readonly planTurns = new TurnSizer(TURN_MS, 4, 512, 16);
  private readonly evaluateTurns = new TurnSizer(TURN_MS, 4, 512, 16);
  private readonly evaluate = (args: EvaluateArgs): Evaluated => this.core.evaluate(args);
  /** Evaluations committed per transaction (and turn). */
  private readonly commitTurns = new TurnSizer(TURN_MS, 16, 500, 64);

  async execute(): Promise<Record<string, string> | null> {
    const plan = await this.lock.run(() => this.take());
    if (!plan) return null;
    const commits = new CommitsInFlight(COMMITS_IN_FLIGHT);
    try {
      // Planned a chunk per turn. A chunk's portfolios without a judgement to wait for are
      // committed at once (PostgreSQL writes them while the next chunk is planned); the others
      // wait for the model, whose calls are all made now, so the reasoning engine batches the
      // flush's move judgements (one decoder step for many portfolios). A judgement that has
      // come back (or was refused: the model is over its budget) is evaluated and committed with
      // the next chunk; the flush waits for the rest until REASONING_MOVE_BUDGET_MS after it
      // started, then commits without them. (Waiting for every judgement until the flush's
      // planning ended put those portfolios, ~4% of a flush at 500 portfolios, a whole flush
      // behind: bench:scale's tick p99.)
      const deadline = deadlineAfter(plan.started, this.cfg.reasoningMoveBudgetMs);
      let judging: Judging[] = [];
      const calls: Promise<void>[] = [];
      for (let i = 0; i < plan.dirty.length;) {
        const part = plan.dirty.slice(i, i + this.planTurns.next());
        const { items, taken } = await this.lock.run(async () => {
          const t0 = performance.now();
          const r = await this.planChunk(part, plan.incidentId);
          this.planTurns.took(r.taken, performance.now() - t0);
          return r;
        });
        i += taken;
        const ready: FlushResult[] = [];
        for (const item of items) {
          if (item.judge) {
            const j: Judging = { item, settled: false, reasoning: undefined };
            const call = this.judge
              .judge(item.state.id, moveJudgeItem(item.judge.move), item.judge.why.gate, deadline)
              .then(
                (r) => {
                  j.reasoning = r;
                },
                // The port answers undefined when a call fails; one that throws all the same
                // is a judgement not made, never a lost evaluation.
                () => undefined,
              )
              .finally(() => {
                j.settled = true;
              });
            judging.push(j);
            calls.push(call);
          } else ready.push({ item, reasoning: undefined, from: item.state, result: item.plain! });
        }
        await this.commitAll(plan, ready, commits);
        const settled = judging.filter((j) => j.settled);
        if (settled.length > 0) {
          judging = judging.filter((j) => !j.settled);
          await this.evaluateJudged(plan, settled, commits);
        }
      }
      await Promise.all(calls);
      await this.evaluateJudged(plan, judging, commits);
      // Every evaluation durable: then the price state and the tick offsets they cover.
      await commits.drain();
      const { done } = await this.lock.commit([], () => this.commitState(plan));
      await done;
    } catch (e) {
      await commits.settle();
      this.core.restoreDirty(plan.dirty);
      throw e;
    }
    return plan.offsets;
  }

  /**
   * Commits `results` a part per transaction (a transaction of 2,000 evaluations held the lock
   * for seconds), each part's PostgreSQL work outside the lock, at most COMMITS_IN_FLIGHT at once.
   */
  private async commitAll(
    plan: FlushPlan,
    results: readonly FlushResult[],
    commits: CommitsInFlight,
  ): Promise<void> {
    for (let i = 0; i < results.length;) {
      const part = results.slice(i, i + this.commitTurns.next());
      i += part.length;
      const t0 = performance.now();
      const { done } = await this.lock.commit(
        part.map((r) => r.item.state.id),
        () => this.commitPart(plan, part),
      );
      await commits.add(
        done.then(() => this.commitTurns.took(part.length, performance.now() - t0)),
      );
    }
  }

  /** Judged portfolios (their calls settled) evaluated a turn at a time, then committed. */
  private async evaluateJudged(
    plan: FlushPlan,
    judged: readonly Judging[],
    commits: CommitsInFlight,
  ): Promise<void> {
    for (let i = 0; i < judged.length;) {
      const part = judged
        .slice(i, i + this.evaluateTurns.next())
        .map((j) => ({ item: j.item, reasoning: j.reasoning }));
      i += part.length;
      const results = await this.lock.run(() =>
        this.timed(this.evaluateTurns, part.length, () => this.evaluateChunk(plan, part)),
      );
      await this.commitAll(plan, results, commits);
    }
  }

  /** `fn`, its time per item fed to `sizer`. */
  private async timed<T>(sizer: TurnSizer, items: number, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const r = await fn();
    sizer.took(items, performance.now() - t0);
    return r;
  }

  /** In the lock: takes the dirty set, with the tick offsets it covers. */
  private async take(): Promise<FlushPlan | null> {
    if (this.ticks.sinceFlush === 0 && !this.core.hasDirty()) return null;
    return {
      started: performance.now(),
      dirty: this.core.takeDirty(),
      ticks: this.ticks.sinceFlush,
      offsets: this.ticks.offsets(),
      incidentId: `${this.topics.ticks}:${randomUUID()}`,
      items: [],
    };
  }

  /**
   * In the lock: the plan of a chunk of dirty portfolios (those still owned), their trees in
   * one model run. Planning yields to the event loop every YIELD_MS and ends the turn early when
   * an urgent turn (news) is waiting: `taken` is how many of `part` it covered.
   */
  private async planChunk(
    part: readonly DirtyPortfolio[],
    incidentId: string,
  ): Promise<{ items: FlushItem[]; taken: number }> {
    const owned = part.flatMap((d, at) => {
      const state = this.core.portfolios.get(d.portfolioId);
      return state ? [{ d, state, at }] : [];
    });
    const args = await this.dirtyArgs(owned, incidentId);
    const items: FlushItem[] = [];
    let slice = performance.now();
    for (const [i, { d, state, at }] of owned.entries()) {
      if (performance.now() - slice > YIELD_MS) {
        await yieldToEventLoop();
        if (this.lock.urgentWaiting) return { items, taken: at };
        slice = performance.now();
      }
      // A commit in flight may install a newer state meanwhile: its commit's turn scores again.
      items.push(planDirty(this.cfg.reasoningGate, d, state, args[i], this.evaluate));
    }
    return { items, taken: part.length };
  }

  /** The evaluation arguments of dirty portfolios from the given states, the trees in one run. */
  private async dirtyArgs(
    owned: readonly { d: DirtyPortfolio; state: PortfolioState }[],
    incidentId: string,
  ): Promise<EvaluateArgs[]> {
    const scores = await this.scorer.scoreEach(
      owned.map(({ d, state }) => ({ state, tsMs: d.tick.ts })),
    );
    return owned.map(({ d, state }, i) => ({
      state,
      trigger: { topic: this.topics.ticks, eventId: d.tick.id },
      ts: new Date(d.tick.ts).toISOString(),
      incidentId,
      out: this.layout.out,
      ...scores[i],
    }));
  }

  /**
   * In the lock: evaluations of a chunk of planned portfolios — with the judgement when the
   * model gave one (a failed or late call leaves the evaluation without) — from their states
   * now: a portfolio that positions or news changed since it was planned is scored again (a
   * `levels` judgement is kept only if the level still changes), one a rebalance took away is
   * left to its new owner.
   */
  private async evaluateChunk(
    plan: FlushPlan,
    part: readonly { item: FlushItem; reasoning: Judgement | undefined }[],
  ): Promise<FlushResult[]> {
    const owned = part.flatMap((x) => {
      const from = this.core.portfolios.get(x.item.state.id);
      return from ? [{ ...x, from }] : [];
    });
    const changed = owned.filter((x) => x.from !== x.item.state);
    const rescored = await this.dirtyArgs(
      changed.map((x) => ({ d: x.item.d, state: x.from })),
      plan.incidentId,
    );
    const argsOf = new Map(changed.map((x, i) => [x, rescored[i]]));
    return owned.map((x) => ({
      item: x.item,
      reasoning: x.reasoning,
      from: x.from,
      result: evaluateFlushItem(x.item, x.reasoning, x.from, this.evaluate, argsOf.get(x)),
    }));
  }

  /**
   * In the lock: a part of the flush's evaluations, to commit in one transaction (outside the
   * lock); one whose portfolio changed since it was evaluated is evaluated again first, one a
   * rebalance took away meanwhile is left out.
   */
  private async commitPart(
    plan: FlushPlan,
    evaluated: readonly FlushResult[],
  ): Promise<() => Promise<void>> {
    const owned = evaluated.filter((r) => this.core.portfolios.has(r.item.state.id));
    const stale = owned.filter((r) => this.core.portfolios.get(r.item.state.id) !== r.from);
    const again = await this.evaluateChunk(plan, stale);
    const redone = new Map(stale.map((r, i) => [r, again[i]] as const));
    const results = owned.flatMap((r) => {
      if (!redone.has(r)) return [r.result];
      const x = redone.get(r);
      return x ? [x.result] : [];
    });
    return async () => {
      if (results.length === 0) return;
      const res = await this.evaluations.commit(results.map((r) => r.outcome));
      const committed = new Set(res.committed);
      for (const r of results) if (committed.has(r.outcome)) this.core.install(r.next);
      this.committed.report(res.committed, 'ticks', plan.started);
    };
  }

  /**
   * In the lock, once all the flush's evaluations are durable: the price state (only the
   * symbols changed since the last durable save: docs/risk-methodology.md) and the tick offsets,
   * to commit outside the lock.
   */
  private async commitState(plan: FlushPlan): Promise<() => Promise<void>> {
    const delta = this.core.book.stateDelta();
    return async () => {
      await this.evaluations.commit([], {
        instanceId: this.cfg.instanceId,
        instruments: delta.header,
        symbols: delta,
        tickOffsets: plan.offsets,
      });
      this.core.book.markSaved(delta.mark);
      this.ticks.flushed(plan.ticks);
    };
  }
}
