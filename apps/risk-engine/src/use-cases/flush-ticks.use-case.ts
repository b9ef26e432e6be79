import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { TopicNames } from '@risk/contracts';
import {
  EngineCore,
  TickProgress,
  moveJudgeItem,
  moveStep,
  moveToJudgeFirst,
  moveToJudgeOnLevelChange,
  type DirtyPortfolio,
  type EvaluateArgs,
  type Evaluated,
  type Judgement,
  type MoveWhy,
  type PortfolioState,
  type PriceMove,
} from '@risk/engine';
import { APP_CONFIG, TOPICS, type AppConfig } from '@risk/platform';
import { CommittedOutcomes } from '../ports/committed-outcomes';
import { Judge } from '../ports/judge';
import { PortfolioScorer } from '../ports/portfolio-scorer';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { EngineLock } from '../state/engine-lock';
import { TopicLayout } from '../state/topic-layout';

/** Portfolios evaluated between two turns of the event loop in a flush. */
const YIELD_EVERY = 64;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One dirty portfolio of a flush, as planned in the lock: its evaluation and what to judge. */
interface FlushItem {
  d: DirtyPortfolio;
  /** The state it was planned from; the commit re-scores if the portfolio's state moved on. */
  state: PortfolioState;
  args: EvaluateArgs;
  /** The evaluation without a judgement, when planning needed it. */
  plain?: Evaluated;
  judge?: { move: PriceMove; why: MoveWhy };
}

interface FlushPlan {
  started: number;
  dirty: DirtyPortfolio[];
  /** Ticks counted in `TickProgress.sinceFlush` when it was taken. */
  ticks: number;
  offsets: Record<string, string>;
  incidentId: string;
  items: FlushItem[];
}

/**
 * Evaluates every portfolio a tick touched since the last flush, and saves the price state
 * with the tick offsets it covers. Holds the engine lock to take the dirty set and to commit,
 * not while the language model judges its moves: positions and news are applied meanwhile, and
 * a portfolio they changed is evaluated again, from its current state, with the judgement
 * already made. Returns the tick offsets now durable (null: nothing to flush); the caller runs
 * flushes one at a time and commits those offsets.
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

  async execute(): Promise<Record<string, string> | null> {
    const plan = await this.lock.run(() => this.plan());
    if (!plan) return null;
    try {
      // All portfolios at once: the reasoning engine batches the move judgements they ask for
      // (one decoder step for many portfolios); results keep the dirty order.
      const judged = await Promise.all(
        plan.items.map((p) =>
          p.judge
            ? this.judge.judge(p.state.id, moveJudgeItem(p.judge.move), p.judge.why.gate)
            : Promise.resolve(undefined),
        ),
      );
      await this.lock.run(() => this.commit(plan, judged));
    } catch (e) {
      this.core.restoreDirty(plan.dirty);
      throw e;
    }
    return plan.offsets;
  }

  /** In the lock: takes the dirty set and decides, per portfolio, which move the model judges. */
  private async plan(): Promise<FlushPlan | null> {
    if (this.ticks.sinceFlush === 0 && !this.core.hasDirty()) return null;
    const started = performance.now();
    const dirty = this.core.takeDirty();
    const plan: FlushPlan = {
      started,
      dirty,
      ticks: this.ticks.sinceFlush,
      offsets: this.ticks.offsets(),
      incidentId: `${this.topics.ticks}:${randomUUID()}`,
      items: [],
    };
    try {
      // A chunk at a time, yielding between chunks: 2,000 portfolios at ~5-15 ms each would
      // hold the event loop for tens of seconds, the consumers' heartbeats would stop and the
      // broker would drop the instance from its groups (bench:scale saw the engine exit).
      for (let i = 0; i < dirty.length; i += YIELD_EVERY) {
        if (i > 0) await yieldToEventLoop();
        plan.items.push(
          ...(await Promise.all(
            dirty.slice(i, i + YIELD_EVERY).flatMap((d) => {
              const state = this.core.portfolios.get(d.portfolioId);
              return state ? [this.planDirty(d, state, plan.incidentId)] : [];
            }),
          )),
        );
      }
    } catch (e) {
      this.core.restoreDirty(dirty);
      throw e;
    }
    return plan;
  }

  /**
   * One portfolio ticks made dirty: the trees always; the language model at most once, on its
   * largest move since the last flush — first if that move is large (gate `moves`), else if the
   * evaluation without it changes the portfolio's level (gate `levels`), and then re-decided
   * with the judgement.
   */
  private async planDirty(
    d: DirtyPortfolio,
    state: PortfolioState,
    incidentId: string,
  ): Promise<FlushItem> {
    const args = await this.dirtyArgs(d, state, incidentId);
    const large = moveToJudgeFirst(this.cfg.reasoningGate, d.move);
    if (large) return { d, state, args, judge: { move: large, why: { gate: 'moves' } } };
    const plain = this.core.evaluate(args);
    const to = plain.outcome.evaluation.level;
    const move = moveToJudgeOnLevelChange(this.cfg.reasoningGate, d.move, state.lastLevel, to);
    const why = { gate: 'levels' as const, from: state.lastLevel!, to };
    return move ? { d, state, args, plain, judge: { move, why } } : { d, state, args, plain };
  }

  private async dirtyArgs(
    d: DirtyPortfolio,
    state: PortfolioState,
    incidentId: string,
  ): Promise<EvaluateArgs> {
    return {
      state,
      trigger: { topic: this.topics.ticks, eventId: d.tick.id },
      ts: new Date(d.tick.ts).toISOString(),
      incidentId,
      out: this.layout.out,
      ...(await this.scorer.score(d.tick.ts, state)),
    };
  }

  /**
   * In the lock: each portfolio's evaluation — with its judgement when the model gave one (a
   * failed call leaves the evaluation without) — from its state now: a portfolio that positions
   * or news changed while the model ran is scored again (a `levels` judgement is kept only if
   * the level still changes), one a rebalance took away is left to its new owner.
   */
  private async commit(plan: FlushPlan, judged: (Judgement | undefined)[]): Promise<void> {
    const results: Evaluated[] = [];
    for (const [i, p] of plan.items.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      const state = this.core.portfolios.get(p.state.id);
      if (!state) continue;
      const changed = state !== p.state;
      const args = changed ? await this.dirtyArgs(p.d, state, plan.incidentId) : p.args;
      const plain = changed ? undefined : p.plain;
      const reasoning = judged[i];
      if (!reasoning || !p.judge) {
        results.push(plain ?? this.core.evaluate(args));
        continue;
      }
      let why = p.judge.why;
      if (changed && why.gate === 'levels') {
        const to = this.core.evaluate(args).outcome.evaluation.level;
        if (to === state.lastLevel) {
          results.push(this.core.evaluate(args));
          continue;
        }
        why = { gate: 'levels', from: state.lastLevel!, to };
      }
      results.push(
        this.core.evaluate({ ...args, reasoning, context: [moveStep(p.judge.move, why)] }),
      );
    }
    // Only the symbols changed since the last durable save are written (docs/risk-methodology.md).
    const delta = this.core.book.stateDelta();
    const res = await this.evaluations.commit(
      results.map((r) => r.outcome),
      {
        instanceId: this.cfg.instanceId,
        instruments: delta.header,
        symbols: delta,
        tickOffsets: plan.offsets,
      },
    );
    this.core.book.markSaved(delta.mark);
    const committed = new Set(res.committed);
    for (const r of results) if (committed.has(r.outcome)) this.core.install(r.next);
    this.ticks.flushed(plan.ticks);
    this.committed.report(res.committed, 'ticks', plan.started);
  }
}
