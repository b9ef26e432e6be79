import { Inject, Injectable } from '@nestjs/common';
import type { NewsEvent } from '@risk/contracts';
import {
  EngineCore,
  RecentNews,
  newerNews,
  newsJudgeItem,
  newsStep,
  pathWeights,
  reachedPortfolios,
  relationSteps,
  storyReach,
  withNewsJudgement,
  type ReachedPortfolio,
  type Evaluated,
  type Judgement,
  type PortfolioState,
} from '@risk/engine';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { CommittedOutcomes } from '../ports/committed-outcomes';
import { Judge, deadlineAfter, type Deadline } from '../ports/judge';
import { PortfolioScorer } from '../ports/portfolio-scorer';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { EngineLock, URGENT } from '../state/engine-lock';
import { FuzzyLinking } from '../state/fuzzy-linking';
import { PositionsWatermark } from '../state/positions-watermark';
import { ReferenceGraph } from '../state/reference-graph';
import { TopicLayout } from '../state/topic-layout';

/** How often a news item being evaluated heartbeats its consumer group (kafkajs' default is 3 s). */
const HEARTBEAT_MS = 3000;

/**
 * A news item, evaluated for the owned portfolios it reaches: those holding one of its symbols
 * and those reached through the knowledge graph (docs/knowledge-graph.md § Wiring). Holders (in
 * the lock), strongest effective exposure first → waves: per batch of `NEWS_BATCH_PORTFOLIOS`,
 * the model's judgements (outside the lock), then the batch scored in the lock (the trees in one
 * model run), batch after batch until the wave has taken `NEWS_WAVE_MS` (or holds 8 batches);
 * then the wave is committed, a batch's worth per transaction (multi-row statements), each
 * transaction taking every k-th of the wave, so its holders, direct or reached through the
 * graph, see their evaluations at about the same time; the transactions' PostgreSQL work runs
 * outside the lock (EngineLock.commit). Its turns of the lock are `URGENT`: they
 * go ahead of a flush's waiting turns. A holder whose state changed after it was
 * scored (a tick flush, a snapshot, another story) is scored again in its commit; one a rebalance
 * took away is left to its new owner. The lock is free between batches and between transactions
 * for ticks and other news. Exactly one evaluation per (item, portfolio): the ledger skips
 * holders already evaluated, and the commit's idempotency claim settles a race with another
 * instance.
 */
@Injectable()
export class EvaluateNewsUseCase {
  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly core: EngineCore,
    private readonly lock: EngineLock,
    private readonly recentNews: RecentNews,
    private readonly layout: TopicLayout,
    private readonly watermark: PositionsWatermark,
    private readonly judge: Judge,
    private readonly scorer: PortfolioScorer,
    private readonly evaluations: EvaluationRepository,
    private readonly committed: CommittedOutcomes,
    private readonly reference: ReferenceGraph,
    private readonly fuzzy: FuzzyLinking,
  ) {}

  /**
   * A live item, once every positions snapshot published before it is applied. False when the
   * service stops first: the item stays uncommitted, for redelivery.
   */
  async execute(n: NewsEvent, topic: string, heartbeat: () => Promise<void>): Promise<boolean> {
    const waited = performance.now();
    if (!(await this.watermark.caughtUp(heartbeat))) return false;
    this.stage('news_caught_up', waited, performance.now());
    // Heartbeats while the item's holders are judged and committed: with the model on, one item
    // can take longer than the session timeout, and a member that sends none is dropped from
    // the group and its consumer crashes (bench:scale, two instances at 2,000 portfolios).
    const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_MS);
    try {
      await this.evaluate(n, topic);
    } finally {
      clearInterval(beat);
    }
    return true;
  }

  /**
   * Evaluates `n` for the holders (only those in `only`, for a replay) that the ledger does not
   * show as evaluated for it. Returns how many evaluations it committed.
   */
  async evaluate(n: NewsEvent, topic: string, only?: ReadonlySet<string>): Promise<number> {
    const started = performance.now();
    // The language model has until then; past it a holder is judged by the news understanding.
    const deadline = deadlineAfter(started, this.cfg.reasoningNewsBudgetMs);
    // The encoder stage of entity linking runs before the lock (the exact one inside it).
    const fuzzy = await this.fuzzy.issuersIn(n);
    const holders = await this.lock.run(async () => this.holdersNow(n, topic, only, fuzzy), URGENT);
    const todo = await this.notYetEvaluated(n, topic, holders);
    const found = performance.now();
    this.stage('news_holders', started, found);
    const size = this.cfg.newsBatchPortfolios;
    if (todo.length > 0 && todo.length <= size) {
      // One batch (most stories): judged at once, then scored and committed in parts.
      const judged = await Promise.all(todo.map((p) => this.judgeFor(p, n, deadline)));
      const judgedAt = performance.now();
      this.stage('news_judge', found, judgedAt);
      // Scored and committed a part at a time, strongest first: each part's PostgreSQL work
      // starts as soon as it is scored, while the next part is scored. Holders a commit in
      // flight (a flush part) holds are committed once it ends, the others at once.
      const judgedOf = new Map(todo.map((p, i) => [p.portfolioId, judged[i]]));
      const writes: Promise<number>[] = [];
      let left = todo;
      let turned = false;
      while (left.length > 0) {
        const waiting = new Set<string>();
        const ends: Promise<void>[] = [];
        for (let i = 0; i < left.length; i += NEWS_COMMIT_PART) {
          const part = left.slice(i, i + NEWS_COMMIT_PART);
          const { done, busy, free } = await this.lock.commitFree(
            part.map((p) => p.portfolioId),
            async (ids) => {
              const now = new Set(ids);
              const these = part.filter((p) => now.has(p.portfolioId));
              const scored = await this.score(
                n,
                topic,
                these,
                these.map((p) => judgedOf.get(p.portfolioId)),
              );
              return this.commit(n, topic, scored, started, only);
            },
            URGENT,
          );
          if (!turned) this.stage('news_commit_turn', judgedAt, performance.now());
          turned = true;
          if (done) {
            done.catch(() => undefined);
            writes.push(done);
          }
          for (const id of busy) waiting.add(id);
          if (busy.length > 0) ends.push(free);
        }
        left = left.filter((p) => waiting.has(p.portfolioId));
        if (left.length > 0) await Promise.all(ends);
      }
      const counts = await Promise.all(writes);
      this.stage('news_commit', judgedAt, performance.now());
      return counts.reduce((a, b) => a + b, 0);
    }
    let committed = 0;
    let next = 0;
    while (next < todo.length) {
      const waveStarted = performance.now();
      const wave: Scored[] = [];
      do {
        const batch = todo.slice(next, next + size);
        next += batch.length;
        // A batch's judgements at once: the reasoning engine batches concurrent requests.
        const judged = await Promise.all(batch.map((p) => this.judgeFor(p, n, deadline)));
        // Scored a part per turn: a batch of 256 desk-sized holders in one turn held the lock
        // for ~300 ms.
        for (let i = 0; i < batch.length; i += NEWS_COMMIT_PART) {
          const part = batch.slice(i, i + NEWS_COMMIT_PART);
          const their = judged.slice(i, i + NEWS_COMMIT_PART);
          wave.push(...(await this.lock.run(() => this.score(n, topic, part, their), URGENT)));
        }
      } while (
        next < todo.length &&
        wave.length < MAX_WAVE_BATCHES * size &&
        performance.now() - waveStarted < this.cfg.newsWaveMs
      );
      // Every transaction (at most NEWS_COMMIT_PART holders) takes every k-th of the wave by
      // strength: all are ready, so none queues behind the others (holders reached through the
      // graph behind direct ones).
      // Their PostgreSQL work runs at once, outside the lock.
      const parts = Math.ceil(wave.length / Math.min(size, NEWS_COMMIT_PART));
      const writing: Promise<number>[] = [];
      for (let j = 0; j < parts; j++) {
        const part = wave.filter((_, i) => i % parts === j);
        const { done } = await this.lock.commit(
          part.map((s) => s.p.portfolioId),
          () => this.commit(n, topic, part, started, only),
          URGENT,
        );
        done.catch(() => undefined);
        writing.push(done);
      }
      for (const c of await Promise.all(writing)) committed += c;
    }
    return committed;
  }

  /** A part of a story's evaluation, timed (docs/benchmarks.md § bench:scale reads them). */
  private stage(name: string, from: number, to: number): void {
    this.metrics.stageSeconds.observe({ stage: name }, (to - from) / 1000);
  }

  /**
   * In the lock: the owned portfolios `n` reaches, directly or through the graph (the ones a
   * rebalance brings get it replayed).
   */
  holdersOf(n: NewsEvent): string[] {
    return this.reach(n, this.fuzzy.cached(n.id)).map((p) => p.portfolioId);
  }

  private reach(n: NewsEvent, fuzzy: readonly string[]): ReachedPortfolio[] {
    const g = this.reference;
    return reachedPortfolios(
      storyReach(n, g.graph, g.linker, fuzzy),
      (s) => this.core.holdings.portfoliosHolding(s),
      (pid, s) => (this.core.portfolios.has(pid) ? this.core.weightOfNav(pid, s) : undefined),
      this.cfg.newsMaxPortfolios,
    );
  }

  /** In the lock: the owned portfolios `n` reaches now (and the item remembered as passed). */
  private holdersNow(
    n: NewsEvent,
    topic: string,
    only: ReadonlySet<string> | undefined,
    fuzzy: readonly string[],
  ): ReachedPortfolio[] {
    const holders = this.reach(n, fuzzy).filter((p) => !only || only.has(p.portfolioId));
    if (!only) {
      this.metrics.messages.inc({
        kind: 'news',
        outcome: holders.length > 0 ? 'held' : 'not_held',
      });
      // Passed, for the holders owned now (in the lock, with them): a rebalance after this
      // point finds it in the ring and replays it to the portfolios it brings.
      this.recentNews.add(topic, n);
    }
    return holders;
  }

  /**
   * The holders the ledger does not show as evaluated for `n` (a redelivered item must not run
   * the language model again, nor extend its context). Outside the lock: the commit's claim
   * settles any race.
   */
  private async notYetEvaluated(
    n: NewsEvent,
    topic: string,
    holders: ReachedPortfolio[],
  ): Promise<ReachedPortfolio[]> {
    if (holders.length === 0) return [];
    const done = await this.evaluations.evaluatedScopes(
      topic,
      n.id,
      holders.map((p) => p.portfolioId),
    );
    return holders.filter((p) => !done.has(p.portfolioId));
  }

  /** The model's judgement of `n` for one holder (gate `news`). */
  private async judgeFor(
    p: ReachedPortfolio,
    n: NewsEvent,
    deadline: Deadline | undefined,
  ): Promise<Judgement | undefined> {
    if (!this.cfg.reasoningGate.news) return undefined;
    // The model reads the effective exposure: share of nav × path weight (1 for named symbols).
    const item = { ...newsJudgeItem(n), weights: pathWeights(p.holdings) };
    return this.judge.judge(p.portfolioId, item, 'news', deadline);
  }

  /** In the lock: the evaluations of `n` for `batch` from their states now, not committed. */
  private async score(
    n: NewsEvent,
    topic: string,
    batch: readonly ReachedPortfolio[],
    judged: readonly (Judgement | undefined)[],
  ): Promise<Scored[]> {
    const items: Omit<Scored, 'result'>[] = [];
    for (const [i, p] of batch.entries()) {
      const from = this.core.portfolios.get(p.portfolioId);
      if (from) items.push({ p, judged: judged[i], from });
    }
    const results = await this.evaluateAll(n, topic, items);
    return items.map((it, i) => ({ ...it, result: results[i] }));
  }

  /** The evaluations of `n` for the holders from the given states (trees in one run). */
  private evaluateAll(
    n: NewsEvent,
    topic: string,
    items: readonly Omit<Scored, 'result'>[],
  ): Promise<Evaluated[]> {
    const tsMs = Date.parse(n.ts);
    const ts = new Date(tsMs).toISOString();
    return this.scorer.evaluateMany(
      tsMs,
      items.map(({ p, judged, from }) => {
        const pid = p.portfolioId;
        const held = (s: string) => this.core.holdings.portfoliosHolding(s).has(pid);
        return {
          state: withNewsJudgement(from, n, judged),
          trigger: { topic, eventId: n.id },
          ts,
          incidentId: `${topic}:${n.id}`,
          out: this.layout.out,
          reasoning: judged,
          context: [newsStep(n, held), ...relationSteps(p.holdings, this.reference.graph)],
        };
      }),
    );
  }

  /**
   * In the lock: scored evaluations of `n`, to commit in one transaction (outside the lock:
   * EngineLock.commit). One whose portfolio changed since it was scored is scored again from its
   * state now; a holder a rebalance took away meanwhile is left to its new owner (which
   * evaluates the item live or replays it).
   */
  private async commit(
    n: NewsEvent,
    topic: string,
    scored: readonly Scored[],
    started: number,
    only: ReadonlySet<string> | undefined,
  ): Promise<() => Promise<number>> {
    const kept: Scored[] = [];
    const stale: Omit<Scored, 'result'>[] = [];
    for (const s of scored) {
      const now = this.core.portfolios.get(s.p.portfolioId);
      if (!now) continue;
      if (now === s.from) kept.push(s);
      else stale.push({ p: s.p, judged: s.judged, from: now });
    }
    if (stale.length > 0) {
      const again = await this.evaluateAll(n, topic, stale);
      kept.push(...stale.map((s, i) => ({ ...s, result: again[i] })));
    }
    return async () => {
      if (kept.length === 0) return 0;
      const res = await this.evaluations.commit(kept.map((s) => s.result.outcome));
      const committed = new Set(res.committed);
      for (const { result: r } of kept)
        if (committed.has(r.outcome)) {
          // A replayed (older) item must not replace newer news the portfolio remembers.
          const before = this.core.portfolios.get(r.next.id)?.lastNews;
          this.core.install({ ...r.next, lastNews: newerNews(before, r.next.lastNews) });
        }
      if (only && res.committed.length > 0)
        this.metrics.messages.inc({ kind: 'news', outcome: 'replayed' }, res.committed.length);
      this.committed.report(res.committed, 'news', started);
      return res.committed.length;
    };
  }
}

/**
 * A story's holders are scored this many per turn of the lock and committed at most this many
 * per transaction: a story of one batch has its first parts durable while the later ones are
 * scored (bench:scale, 500 portfolios: a story of ~200 holders scored in one turn and committed
 * in one transaction took ~1 s), and a wave's transactions run side by side.
 */
const NEWS_COMMIT_PART = 32;

/** A wave is at most this many batches: bounds the scored evaluations held in memory. */
const MAX_WAVE_BATCHES = 8;

/** A holder's evaluation of a story, scored and not yet committed. */
interface Scored {
  p: ReachedPortfolio;
  judged: Judgement | undefined;
  /** The state it was scored from: it commits only while that is still the portfolio's state. */
  from: PortfolioState;
  result: Evaluated;
}
