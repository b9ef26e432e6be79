import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, EachMessagePayload, Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  decodeInput,
  decodeTickFast,
  type NewsEvent,
  type PositionsSnapshot,
  type EvaluationTimings,
  type TopicNames,
} from '@risk/contracts';
import {
  assessPortfolio,
  type Assessment,
  type ReasoningJudgement,
  type TreeVerdict,
} from '@risk/scoring';
import { RiskStore, type EvaluationOutcome } from '@risk/persistence';
import {
  APP_CONFIG,
  AsyncMutex,
  KAFKA,
  METRICS,
  TOPICS,
  groupIds,
  partitionForKey,
  trackConsumerLag,
  type AppConfig,
  type ServiceMetrics,
} from '@risk/platform';
import type { InstrumentBookSnapshot } from '@risk/risk-metrics';
import {
  EngineCore,
  type DirtyPortfolio,
  type OutputTopics,
  type PortfolioState,
} from './engine-core';
import {
  moveItem,
  moveItemId,
  moveStep,
  moveToJudgeFirst,
  moveToJudgeOnLevelChange,
  type PriceMove,
} from './move-reasoning';
import { CatchUp } from './catch-up';
import { PositionsProgress } from './positions-progress';
import { RecentNews, newerNews, replayPlan } from './recent-news';
import { NewsReasoningService } from './news-reasoning.service';
import { OutboxRelayService } from './outbox-relay.service';
import { TreeScoringService } from './tree-scoring.service';

const next = (offset: string) => (BigInt(offset) + 1n).toString();

/** A judgement of the language model with its cost, as an evaluation carries it. */
type Reasoning = { judgement: ReasoningJudgement; timings: EvaluationTimings };

type EvaluateArgs = Parameters<EngineCore['evaluate']>[0];
type MoveWhy = Parameters<typeof moveStep>[1];

/** One dirty portfolio of a flush, as planned in the lock: its evaluation and what to judge. */
interface FlushItem {
  d: DirtyPortfolio;
  /** The state it was planned from; the commit re-scores if the portfolio's state moved on. */
  state: PortfolioState;
  args: EvaluateArgs;
  /** The evaluation without a judgement, when planning needed it. */
  plain?: ReturnType<EngineCore['evaluate']>;
  judge?: { move: PriceMove; why: MoveWhy };
}

interface FlushPlan {
  started: number;
  dirty: DirtyPortfolio[];
  /** Ticks counted in `ticksSinceFlush` when it was taken. */
  ticks: number;
  offsets: Record<string, string>;
  incidentId: string;
  items: FlushItem[];
}

/**
 * Kafka in, evaluations out. Positions are read in the shared group (partitioned by portfolioId,
 * so instances split the portfolios); ticks and news are read in full by every instance (a global
 * table) and each instance evaluates only the portfolios it owns. Every effect commits to
 * PostgreSQL before its offset is committed to Kafka.
 */
@Injectable()
export class RiskEngineService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(RiskEngineService.name);
  private readonly mutex = new AsyncMutex();
  /** Flushes one at a time; each takes `mutex` only around its own state work. */
  private readonly flushes = new AsyncMutex();
  private readonly store: RiskStore;
  private core!: EngineCore;
  private out!: OutputTopics;
  private positionsConsumer?: Consumer;
  private ticksConsumer?: Consumer;
  private newsConsumer?: Consumer;
  private positionsPartitions = 1;
  private ownedPartitions = new Set<number>();
  /** Next tick offset to commit per partition, once the state covering it is durable. */
  private tickOffsets: Record<string, string> = {};
  private ticksSinceFlush = 0;
  private readonly catchUp = new CatchUp();
  private flushTimer?: NodeJS.Timeout;
  private flushRequested = false;
  private stopping = false;
  /** How far the owned positions partitions are applied: a news item waits for their end. */
  private readonly positionsProgress = new PositionsProgress();
  /** News items this instance passed, replayed to the portfolios a rebalance gives it later. */
  private recentNews!: RecentNews;
  private admin?: Admin;
  private stopped!: Promise<void>;
  private stop!: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(TOPICS) private readonly topics: TopicNames,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(DataSource) ds: DataSource,
    private readonly relay: OutboxRelayService,
    private readonly reasoning: NewsReasoningService,
    private readonly trees: TreeScoringService,
  ) {
    this.store = new RiskStore(ds);
  }

  async onApplicationBootstrap(): Promise<void> {
    const saved = await this.store.loadEngineState(this.cfg.instanceId);
    this.core = new EngineCore(
      {
        ewmaLambda: this.cfg.ewmaLambda,
        sampleIntervalMs: this.cfg.sampleIntervalMs,
        largeMoveSigma: this.cfg.largeMoveSigma,
      },
      saved ? (saved.instruments as InstrumentBookSnapshot) : undefined,
    );
    this.tickOffsets = saved ? { ...saved.tickOffsets } : {};
    this.recentNews = new RecentNews(this.cfg.recentNewsMax, this.cfg.recentNewsWindowMs);
    await this.resolvePartitionCounts();
    const groups = groupIds(this.cfg);
    this.stopped = new Promise<void>((resolve) => (this.stop = resolve));
    this.admin = this.kafka.admin();
    await this.admin.connect();

    this.positionsConsumer = this.kafka.consumer({
      groupId: groups.positions,
      maxWaitTimeInMs: 100,
    });
    this.positionsConsumer.on(this.positionsConsumer.events.GROUP_JOIN, (e) => {
      const partitions = e.payload.memberAssignment[this.topics.positions] ?? [];
      void this.mutex
        .run(() => this.adoptPartitions(partitions))
        .then((gained) => this.replayRecentNews(gained))
        .catch((err: unknown) => this.log.error({ err }, 'adopting positions partitions failed'));
    });
    await this.positionsConsumer.connect();
    await this.positionsConsumer.subscribe({ topic: this.topics.positions, fromBeginning: true });

    this.ticksConsumer = this.kafka.consumer({
      groupId: groups.ticks,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 << 20,
    });
    await this.ticksConsumer.connect();
    await this.ticksConsumer.subscribe({ topic: this.topics.ticks, fromBeginning: true });

    this.newsConsumer = this.kafka.consumer({ groupId: groups.news, maxWaitTimeInMs: 50 });
    await this.newsConsumer.connect();
    await this.newsConsumer.subscribe({ topic: this.topics.news, fromBeginning: true });

    trackConsumerLag(this.positionsConsumer, this.metrics, groups.positions);
    trackConsumerLag(this.ticksConsumer, this.metrics, groups.ticks);
    trackConsumerLag(this.newsConsumer, this.metrics, groups.news);
    await this.positionsConsumer.run({
      autoCommit: false,
      eachMessage: (p) => this.onPositions(p),
    });
    await this.ticksConsumer.run({ autoCommit: false, eachBatch: (p) => this.onTicks(p) });
    await this.newsConsumer.run({ autoCommit: false, eachMessage: (p) => this.onNews(p) });
    this.flushTimer = setInterval(() => this.requestFlush(), Math.max(this.cfg.coalesceMs, 10));
    this.log.log(
      `risk engine ${this.cfg.instanceId} consuming ${this.topics.positions}, ${this.topics.ticks}, ${this.topics.news}`,
    );
  }

  // Before the shutdown phase, where the reasoning session and the relay's producer close.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.stop?.();
    if (this.flushTimer) clearInterval(this.flushTimer);
    // Stop fetching first, then let in-flight work finish and flush what ticks left dirty.
    await Promise.allSettled([
      this.ticksConsumer?.stop(),
      this.newsConsumer?.stop(),
      this.positionsConsumer?.stop(),
    ]);
    await this.flushes.run(() => this.flush()).catch((e) => this.log.error(e));
    await Promise.allSettled([
      this.ticksConsumer?.disconnect(),
      this.newsConsumer?.disconnect(),
      this.positionsConsumer?.disconnect(),
      this.admin?.disconnect(),
    ]);
  }

  private async resolvePartitionCounts(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({
        topics: [this.topics.positions, this.topics.evaluations, this.topics.alerts],
      });
      const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
      this.positionsPartitions = counts.get(this.topics.positions) ?? 1;
      this.out = {
        evaluations: this.topics.evaluations,
        alerts: this.topics.alerts,
        partitionFor: (topic, key) => partitionForKey(topic, key, counts.get(topic) ?? 1),
      };
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A rebalance gave this instance `partitions` of the positions topic: own their portfolios.
   * Returns the partitions it did not own before.
   */
  private async adoptPartitions(partitions: number[]): Promise<Set<number>> {
    // Read before the states: every snapshot below these offsets is in what is loaded next.
    const applied = await this.committedPositions(partitions);
    const gained = new Set(partitions.filter((p) => !this.ownedPartitions.has(p)));
    this.ownedPartitions = new Set(partitions);
    const dropped: string[] = [];
    for (const id of [...this.core.portfolios.keys()]) {
      if (this.owns(id)) continue;
      this.core.drop(id);
      dropped.push(id);
    }
    if (dropped.length > 0)
      this.log.warn(`rebalance: no longer owning ${dropped.length} portfolios`);
    const states = await this.store.loadPortfolioStates();
    let n = 0;
    for (const s of states) {
      if (!this.owns(s.id)) continue;
      const state = EngineCore.stateFromStore(s);
      if (state) {
        this.core.install(state);
        n++;
      }
    }
    this.positionsProgress.assign(applied);
    this.log.log(`owning positions partitions [${partitions.join(',')}]: ${n} portfolios restored`);
    return gained;
  }

  /**
   * Closes the rebalance window: a news item this instance passed before it owned a portfolio,
   * and the previous owner had not evaluated for it (or dropped it first), is evaluated now for
   * the portfolios of the `gained` partitions that hold one of its symbols — once their
   * positions are applied, through evaluateNews, whose ledger check (and
   * commitOutcomes') leaves exactly one evaluation per (item, portfolio) whoever commits first.
   * At the first assignment nothing has been passed yet: nothing to replay.
   */
  private async replayRecentNews(gained: Set<number>): Promise<void> {
    if (gained.size === 0 || this.recentNews.size === 0) return;
    if (!(await this.positionsCaughtUp(async () => {}))) return;
    const { plan, adopted } = await this.mutex.run(async () => {
      // Owned now: a later rebalance may have taken some of them again.
      const adopted = new Set(
        [...this.core.portfolios.keys()].filter(
          (id) => this.owns(id) && gained.has(this.partitionOf(id)),
        ),
      );
      return {
        adopted,
        plan: replayPlan(this.recentNews.list(), adopted, (s) => this.core.holdersOf(s)),
      };
    });
    let evaluated = 0;
    // In event order, one item after another (each takes the lock for its own state work).
    for (const { item, portfolioIds } of plan)
      evaluated += await this.evaluateNews(item.news, item.topic, new Set(portfolioIds));
    if (evaluated > 0)
      this.log.warn(
        `rebalance: ${evaluated} evaluations of recent news for ${adopted.size} adopted portfolios`,
      );
  }

  /**
   * Per partition of `partitions` (all owned when omitted), the offset below which every
   * positions message is applied to PostgreSQL: the group's committed offset (committed only
   * after the snapshot's transaction), or the log start when there is none.
   */
  private async committedPositions(partitions?: number[]): Promise<Record<number, string>> {
    const topic = this.topics.positions;
    const [committed, ends] = await Promise.all([
      this.admin!.fetchOffsets({ groupId: groupIds(this.cfg).positions, topics: [topic] }),
      this.admin!.fetchTopicOffsets(topic),
    ]);
    const low = new Map(ends.map((e) => [e.partition, BigInt(e.low)]));
    const wanted = new Set(partitions ?? this.ownedPartitions);
    const out: Record<number, string> = {};
    for (const { partition, offset } of committed[0]?.partitions ?? []) {
      if (!wanted.has(partition)) continue;
      const c = BigInt(offset);
      const l = low.get(partition) ?? 0n;
      out[partition] = (c > l ? c : l).toString();
    }
    for (const p of wanted) out[p] ??= (low.get(p) ?? 0n).toString();
    return out;
  }

  /**
   * Waits until every positions snapshot published before now, on the partitions this instance
   * owns, is applied (and the first assignment adopted): news evaluated earlier would miss the
   * holders whose snapshot is still in the backlog and be committed without their evaluation.
   * False when the service stops first (the item is then left uncommitted, for redelivery).
   */
  private async positionsCaughtUp(heartbeat: () => Promise<void>): Promise<boolean> {
    const ends = Object.fromEntries(
      (await this.admin!.fetchTopicOffsets(this.topics.positions)).map((e) => [
        e.partition,
        e.high,
      ]),
    );
    const reached = this.positionsProgress.waitFor(ends).then(() => true);
    for (;;) {
      const r = await Promise.race([
        reached,
        this.stopped.then(() => false),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000).unref()),
      ]);
      if (r !== null) return r;
      await heartbeat();
      // A commit this instance (or a previous owner) made may not have been seen: offsets the
      // group committed are applied.
      if (this.ownedPartitions.size > 0)
        for (const [p, o] of Object.entries(await this.committedPositions()))
          this.positionsProgress.applied(Number(p), o);
    }
  }

  private owns(portfolioId: string): boolean {
    return this.ownedPartitions.has(this.partitionOf(portfolioId));
  }

  private partitionOf(portfolioId: string): number {
    return partitionForKey(this.topics.positions, portfolioId, this.positionsPartitions);
  }

  private async onPositions({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const r = decodeInput('positions', message.key, message.value);
    if (r.ok) {
      this.metrics.messages.inc({ kind: 'positions', outcome: 'applied' });
      await this.mutex.run(() => this.applySnapshot(r.value, topic));
    } else {
      // Ingest dead-letters it; the engine only skips it.
      this.metrics.messages.inc({ kind: 'positions', outcome: 'invalid' });
    }
    this.positionsProgress.applied(partition, next(message.offset));
    await this.positionsConsumer!.commitOffsets([
      { topic, partition, offset: next(message.offset) },
    ]);
  }

  private async applySnapshot(s: PositionsSnapshot, topic: string): Promise<void> {
    const started = performance.now();
    const current = this.core.portfolios.get(s.portfolioId);
    const snapshotId = randomUUID();
    const candidate: PortfolioState = {
      id: s.portfolioId,
      snapshot: {
        id: snapshotId,
        portfolioId: s.portfolioId,
        sourceTopic: topic,
        sourceId: s.id,
        ts: s.ts,
        baseCurrency: s.baseCurrency,
        cash: s.cash,
        positions: s.positions,
        limits: s.limits ?? null,
      },
      peakNav: current?.peakNav ?? null,
      lastLevel: current?.lastLevel ?? null,
      breaches: current?.breaches ?? [],
    };
    const { outcome, next: nextState } = await this.evaluateScored(Date.parse(s.ts), {
      state: candidate,
      trigger: { topic, eventId: s.id },
      ts: new Date(Date.parse(s.ts)).toISOString(),
      incidentId: `${topic}:${s.id}`,
      out: this.out,
      sourceScope: `${s.portfolioId}:evaluation`,
      context: [
        {
          kind: 'metric',
          text: `positions snapshot ${s.id}: ${s.positions.length} positions, cash ${s.cash}`,
          data: { snapshotId: s.id, positions: s.positions.length },
        },
      ],
    });
    const res = await this.store.commitOutcomes([outcome], undefined, candidate.snapshot);
    if (!res.snapshotApplied) {
      this.metrics.messages.inc({ kind: 'positions', outcome: 'duplicate' });
      return;
    }
    this.core.install(nextState);
    this.afterCommit(res.committed, 'positions', started);
  }

  private async onTicks(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    let largeMove = false;
    let applied = 0;
    let stale = 0;
    let invalid = 0;
    for (const m of batch.messages) {
      const r = decodeTickFast(m.key, m.value);
      if (!r.ok) {
        invalid++;
        continue;
      }
      const t = this.core.applyTick(r.value.tick, r.value.tsMs);
      if (t.applied) applied++;
      else if (t.stale) stale++;
      if (t.largeMove) largeMove = true;
    }
    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      payload.resolveOffset(last.offset);
      this.tickOffsets[`${batch.topic}:${batch.partition}`] = next(last.offset);
    }
    this.ticksSinceFlush += batch.messages.length;
    this.metrics.messages.inc({ kind: 'tick', outcome: 'applied' }, applied);
    if (stale) this.metrics.staleTicks.inc(stale);
    if (invalid) this.metrics.messages.inc({ kind: 'tick', outcome: 'invalid' }, invalid);
    const caughtUp = this.catchUp.observe(
      `${batch.topic}:${batch.partition}`,
      Number(batch.offsetLag()),
    );
    if (largeMove || caughtUp) this.requestFlush();
    await payload.heartbeat();
  }

  private requestFlush(): void {
    if (this.flushRequested || this.stopping) return;
    this.flushRequested = true;
    void this.flushes
      .run(async () => {
        this.flushRequested = false;
        await this.flush();
      })
      .catch((e: unknown) => this.log.error({ err: e }, 'flush failed; will retry'));
  }

  /**
   * Evaluates every portfolio a tick touched since the last flush, and saves the price state.
   * Flushes run one at a time (their tick offsets commit in order). A flush holds the engine
   * lock to take the dirty set and to commit, not while the language model judges its moves:
   * positions and news are applied meanwhile, and a portfolio they changed is evaluated again,
   * from its current state, with the judgement already made.
   */
  private async flush(): Promise<void> {
    const plan = await this.mutex.run(() => this.planFlush());
    if (!plan) return;
    try {
      // All portfolios at once: the reasoning engine batches the move judgements they ask for
      // (one decoder step for many portfolios); results keep the dirty order.
      const judged = await Promise.all(
        plan.items.map((p) =>
          p.judge
            ? this.judgeMove(p.state.id, p.judge.move, p.judge.why.gate)
            : Promise.resolve(undefined),
        ),
      );
      await this.mutex.run(() => this.commitFlush(plan, judged));
    } catch (e) {
      this.core.restoreDirty(plan.dirty);
      throw e;
    }
    await this.commitTickOffsets(plan.offsets);
  }

  /** In the lock: takes the dirty set and decides, per portfolio, which move the model judges. */
  private async planFlush(): Promise<FlushPlan | null> {
    if (this.ticksSinceFlush === 0 && !this.core.hasDirty()) return null;
    const started = performance.now();
    const dirty = this.core.takeDirty();
    const plan: FlushPlan = {
      started,
      dirty,
      ticks: this.ticksSinceFlush,
      offsets: { ...this.tickOffsets },
      incidentId: `${this.topics.ticks}:${randomUUID()}`,
      items: [],
    };
    try {
      plan.items = await Promise.all(
        dirty.flatMap((d) => {
          const state = this.core.portfolios.get(d.portfolioId);
          return state ? [this.planDirty(d, state, plan.incidentId)] : [];
        }),
      );
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

  private async dirtyArgs(d: DirtyPortfolio, state: PortfolioState, incidentId: string) {
    return {
      state,
      trigger: { topic: this.topics.ticks, eventId: d.tick.id },
      ts: new Date(d.tick.ts).toISOString(),
      incidentId,
      out: this.out,
      ...(await this.score(d.tick.ts, state)),
    };
  }

  /**
   * In the lock: each portfolio's evaluation — with its judgement when the model gave one (a
   * failed call leaves the evaluation without) — from its state now: a portfolio that positions
   * or news changed while the model ran is scored again (a `levels` judgement is kept only if
   * the level still changes), one a rebalance took away is left to its new owner.
   */
  private async commitFlush(plan: FlushPlan, judged: (Reasoning | undefined)[]): Promise<void> {
    const results: ReturnType<EngineCore['evaluate']>[] = [];
    for (const [i, p] of plan.items.entries()) {
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
    const res = await this.store.commitOutcomes(
      results.map((r) => r.outcome),
      {
        instanceId: this.cfg.instanceId,
        instruments: this.core.book.toSnapshot(),
        tickOffsets: plan.offsets,
      },
    );
    const committed = new Set(res.committed);
    for (const r of results) if (committed.has(r.outcome)) this.core.install(r.next);
    this.ticksSinceFlush -= plan.ticks;
    this.afterCommit(res.committed, 'ticks', plan.started);
  }

  private async commitTickOffsets(offsets: Record<string, string>): Promise<void> {
    const list = Object.entries(offsets).map(([k, offset]) => {
      const i = k.lastIndexOf(':');
      return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset };
    });
    // A stopped consumer cannot commit: the last flush of a shutdown saved these offsets with the
    // engine state, and the next flush after a restart commits them (ticks read again are stale).
    if (list.length > 0 && !this.stopping)
      await this.ticksConsumer
        ?.commitOffsets(list)
        .catch((e: unknown) => this.log.warn({ err: e }, 'tick offset commit failed'));
  }

  private async onNews(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    const r = decodeInput('news', message.key, message.value);
    if (r.ok) {
      if (!(await this.positionsCaughtUp(() => payload.heartbeat()))) return;
      await this.evaluateNews(r.value, topic);
    } else this.metrics.messages.inc({ kind: 'news', outcome: 'invalid' });
    await this.newsConsumer!.commitOffsets([{ topic, partition, offset: next(message.offset) }]);
  }

  /**
   * Evaluates `n` for the owned portfolios holding one of its symbols (only those in `only`, for
   * a replay) that the ledger does not show as evaluated for it. Returns how many it committed.
   * The engine lock is held to pick the holders and to commit, not while the language model
   * judges: each holder is evaluated from its state when the judgement is back.
   */
  private async evaluateNews(
    n: NewsEvent,
    topic: string,
    only?: ReadonlySet<string>,
  ): Promise<number> {
    const started = performance.now();
    const todo = await this.mutex.run(async () => {
      const holders = this.core.holdersOf(n.symbols).filter((pid) => !only || only.has(pid));
      if (!only) {
        this.metrics.messages.inc({
          kind: 'news',
          outcome: holders.length > 0 ? 'held' : 'not_held',
        });
        // Passed, for the holders owned now (in the lock, with them): a rebalance after this
        // point finds it in the ring and replays it to the portfolios it brings.
        this.recentNews.add(topic, n);
      }
      if (holders.length === 0) return [];
      // A redelivered item must not run the language model again (nor extend its context).
      const done = await this.store.processedScopes(topic, n.id, holders);
      return holders.filter((h) => !done.has(h));
    });
    if (todo.length === 0) return 0;
    // Every holder's judgement at once: the reasoning engine batches concurrent requests.
    const judged = await Promise.all(todo.map((pid) => this.judgeNews(pid, n)));
    return this.mutex.run(() => this.commitNews(n, topic, todo, judged, started, only));
  }

  /**
   * In the lock: the holders' evaluations of `n` from their states now, committed. A holder a
   * rebalance took away meanwhile is left to its new owner (which evaluates the item live or
   * replays it).
   */
  private async commitNews(
    n: NewsEvent,
    topic: string,
    todo: string[],
    judged: (Reasoning | undefined)[],
    started: number,
    only: ReadonlySet<string> | undefined,
  ): Promise<number> {
    const results = [];
    for (const [i, pid] of todo.entries()) {
      const state = this.core.portfolios.get(pid);
      if (!state) continue;
      const reasoning = judged[i];
      const j = reasoning?.judgement;
      const r = await this.evaluateScored(Date.parse(n.ts), {
        state: j
          ? {
              ...state,
              lastNews: {
                newsId: n.id,
                tsMs: Date.parse(n.ts),
                symbols: n.symbols,
                sharePct: j.exposure.sharePct,
                pSevereNegative: j.probabilities.severe_negative,
                pNegative: j.probabilities.negative,
                pNeutral: j.probabilities.neutral,
                pPositive: j.probabilities.positive,
              },
            }
          : state,
        trigger: { topic, eventId: n.id },
        ts: new Date(Date.parse(n.ts)).toISOString(),
        incidentId: `${topic}:${n.id}`,
        out: this.out,
        reasoning,
        context: [
          {
            kind: 'metric',
            text: `news ${n.id} about ${n.symbols.filter((s) => this.core.holdings.portfoliosHolding(s).has(pid)).join(', ')}: "${n.headline}"`,
            data: { newsId: n.id, headline: n.headline, symbols: n.symbols },
          },
        ],
      });
      results.push({ pid, ...r });
    }
    const res = await this.store.commitOutcomes(results.map((r) => r.outcome));
    const committed = new Set(res.committed);
    for (const r of results)
      if (committed.has(r.outcome)) {
        // A replayed (older) item must not replace newer news the portfolio remembers.
        const before = this.core.portfolios.get(r.pid)?.lastNews;
        this.core.install({ ...r.next, lastNews: newerNews(before, r.next.lastNews) });
      }
    if (only && res.committed.length > 0)
      this.metrics.messages.inc({ kind: 'news', outcome: 'replayed' }, res.committed.length);
    this.afterCommit(res.committed, 'news', started);
    return res.committed.length;
  }

  /** Assessment → tree verdict → evaluation: the one way every trigger evaluates a portfolio. */
  private async evaluateScored(
    tsMs: number,
    args: Omit<Parameters<EngineCore['evaluate']>[0], 'assessment' | 'tree'>,
  ): Promise<ReturnType<EngineCore['evaluate']>> {
    return this.core.evaluate({ ...args, ...(await this.score(tsMs, args.state)) });
  }

  /** The assessment and the trees' verdict (which sees `state.lastNews`, never a move). */
  private async score(
    tsMs: number,
    state: PortfolioState,
  ): Promise<{ assessment: Assessment; tree: TreeVerdict | null }> {
    const assessment = assessPortfolio(EngineCore.contextOf(state), this.core.book);
    return { assessment, tree: await this.trees.verdict(this.core, state, assessment, tsMs) };
  }

  /** The reasoning model's judgement of `n` for one portfolio (gate `news`). */
  private async judgeNews(portfolioId: string, n: NewsEvent): Promise<Reasoning | undefined> {
    if (!this.cfg.reasoningGate.news) return undefined;
    return this.judgeOrNone(
      portfolioId,
      { id: n.id, headline: n.headline, body: n.body, symbols: n.symbols },
      'news',
    );
  }

  /** The reasoning model's judgement of a price move (gates `moves`, `levels`). */
  private async judgeMove(
    portfolioId: string,
    m: PriceMove,
    gate: 'moves' | 'levels',
  ): Promise<Reasoning | undefined> {
    return this.judgeOrNone(
      portfolioId,
      { id: moveItemId(m.tickId), ...moveItem(m), symbols: [m.symbol] },
      gate,
    );
  }

  /**
   * `judge`, counted per gate; a failure is logged, counted as `failed` and judged as none, so
   * the evaluation is still committed (without reasoning) and one bad call never blocks a topic.
   */
  private async judgeOrNone(
    portfolioId: string,
    item: Parameters<RiskEngineService['judge']>[1],
    gate: 'news' | 'moves' | 'levels',
  ): Promise<Reasoning | undefined> {
    try {
      // News is what a desk waits for: its model steps go ahead of price-move judgements.
      const r = await this.judge(portfolioId, item, gate === 'news' ? 1 : 0);
      if (r) this.metrics.reasoningRuns.inc({ gate, outcome: 'judged' });
      return r;
    } catch (e) {
      this.metrics.reasoningRuns.inc({ gate, outcome: 'failed' });
      this.log.warn(
        { err: e },
        `reasoning on ${item.id} for ${portfolioId} failed: evaluated without it`,
      );
      return undefined;
    }
  }

  /**
   * The reasoning model's judgement of one item (news, or a price move worded as one) for one
   * portfolio, on its largest exposure among `symbols`; undefined without a model or exposure.
   */
  private async judge(
    portfolioId: string,
    item: { id: string; headline: string; body?: string; symbols: readonly string[] },
    priority = 0,
  ): Promise<Reasoning | undefined> {
    const exposure = this.core.largestExposure(portfolioId, item.symbols);
    if (!exposure || !this.reasoning.modelId) return undefined;
    const started = performance.now();
    const j = await this.reasoning.judge(
      portfolioId,
      {
        headline: item.headline,
        body: item.body,
        exposure,
        book: this.core.bookSnapshot(portfolioId) ?? undefined,
      },
      priority,
    );
    if (!j) return undefined;
    this.metrics.stageSeconds.observe({ stage: 'reasoning' }, (performance.now() - started) / 1000);
    return {
      judgement: {
        newsId: item.id,
        headline: item.headline,
        symbol: exposure.symbol,
        exposure: {
          side: exposure.side,
          quantity: exposure.quantity,
          price: exposure.price,
          sharePct: exposure.sharePct,
        },
        probabilities: j.probabilities,
        impact: j.impact,
        severity: j.severity,
        rawChainOfThought: j.rawChainOfThought,
        shownChainOfThought: j.grounded?.text ?? null,
        grounding: j.grounded?.counts ?? null,
        model: this.reasoning.modelId,
      },
      timings: {
        totalMs: 0,
        reasoningMs: j.timings.reasoningMs,
        cachedTokens: j.timings.cachedTokens,
        newTokens: j.timings.newTokens,
      },
    };
  }

  private afterCommit(committed: EvaluationOutcome[], trigger: string, started: number): void {
    for (const o of committed) {
      this.metrics.evaluations.inc({ trigger, level: o.evaluation.level });
      if (o.alert) this.metrics.alerts.inc({ level: o.alert.level });
    }
    this.metrics.stageSeconds.observe(
      { stage: `evaluate_${trigger}` },
      (performance.now() - started) / 1000,
    );
    if (committed.length > 0) this.relay.kick();
  }
}
