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
} from '@risk/engine';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { CommittedOutcomes } from '../ports/committed-outcomes';
import { Judge } from '../ports/judge';
import { PortfolioScorer } from '../ports/portfolio-scorer';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { EngineLock } from '../state/engine-lock';
import { PositionsWatermark } from '../state/positions-watermark';
import { ReferenceGraph } from '../state/reference-graph';
import { TopicLayout } from '../state/topic-layout';

/** How often a news item being evaluated heartbeats its consumer group (kafkajs' default is 3 s). */
const HEARTBEAT_MS = 3000;

/**
 * A news item, evaluated for the owned portfolios it reaches: those holding one of its symbols
 * and those reached through the knowledge graph (docs/knowledge-graph.md § Wiring). Holders (in
 * the lock) → per batch of `NEWS_BATCH_PORTFOLIOS`: the model's judgement per holder (outside
 * it) → score and commit (in the lock), each holder from its state when the judgement is back;
 * between batches the lock is free for ticks and other news. Exactly one evaluation per (item,
 * portfolio): the ledger skips holders already evaluated, and the commit's idempotency claim
 * settles a race with another instance.
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
  ) {}

  /**
   * A live item, once every positions snapshot published before it is applied. False when the
   * service stops first: the item stays uncommitted, for redelivery.
   */
  async execute(n: NewsEvent, topic: string, heartbeat: () => Promise<void>): Promise<boolean> {
    if (!(await this.watermark.caughtUp(heartbeat))) return false;
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
    const todo = await this.lock.run(() => this.holdersToEvaluate(n, topic, only));
    let committed = 0;
    const size = this.cfg.newsBatchPortfolios;
    for (let i = 0; i < todo.length; i += size) {
      const batch = todo.slice(i, i + size);
      // A batch's judgements at once: the reasoning engine batches concurrent requests.
      const judged = await Promise.all(batch.map((p) => this.judgeFor(p, n)));
      committed += await this.lock.run(() => this.commit(n, topic, batch, judged, started, only));
    }
    return committed;
  }

  /**
   * In the lock: the owned portfolios `n` reaches, directly or through the graph (the ones a
   * rebalance brings get it replayed).
   */
  holdersOf(n: NewsEvent): string[] {
    return this.reach(n).map((p) => p.portfolioId);
  }

  private reach(n: NewsEvent): ReachedPortfolio[] {
    const g = this.reference;
    return reachedPortfolios(
      storyReach(n, g.graph, g.linker),
      (s) => this.core.holdings.portfoliosHolding(s),
      (pid, s) => (this.core.portfolios.has(pid) ? this.core.weightOfNav(pid, s) : undefined),
      this.cfg.newsMaxPortfolios,
    );
  }

  /** In the lock: the owned portfolios `n` reaches that it is not yet evaluated for. */
  private async holdersToEvaluate(
    n: NewsEvent,
    topic: string,
    only: ReadonlySet<string> | undefined,
  ): Promise<ReachedPortfolio[]> {
    const holders = this.reach(n).filter((p) => !only || only.has(p.portfolioId));
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
    const done = await this.evaluations.evaluatedScopes(
      topic,
      n.id,
      holders.map((p) => p.portfolioId),
    );
    return holders.filter((p) => !done.has(p.portfolioId));
  }

  /** The model's judgement of `n` for one holder (gate `news`). */
  private async judgeFor(p: ReachedPortfolio, n: NewsEvent): Promise<Judgement | undefined> {
    if (!this.cfg.reasoningGate.news) return undefined;
    // The model reads the effective exposure: share of nav × path weight (1 for named symbols).
    const item = { ...newsJudgeItem(n), weights: pathWeights(p.holdings) };
    return this.judge.judge(p.portfolioId, item, 'news');
  }

  /**
   * In the lock: the holders' evaluations of `n` from their states now, committed. A holder a
   * rebalance took away meanwhile is left to its new owner (which evaluates the item live or
   * replays it).
   */
  private async commit(
    n: NewsEvent,
    topic: string,
    todo: ReachedPortfolio[],
    judged: (Judgement | undefined)[],
    started: number,
    only: ReadonlySet<string> | undefined,
  ): Promise<number> {
    const results: (Evaluated & { pid: string })[] = [];
    for (const [i, p] of todo.entries()) {
      const pid = p.portfolioId;
      const state = this.core.portfolios.get(pid);
      if (!state) continue;
      const reasoning = judged[i];
      const held = (s: string) => this.core.holdings.portfoliosHolding(s).has(pid);
      const r = await this.scorer.evaluate(Date.parse(n.ts), {
        state: withNewsJudgement(state, n, reasoning),
        trigger: { topic, eventId: n.id },
        ts: new Date(Date.parse(n.ts)).toISOString(),
        incidentId: `${topic}:${n.id}`,
        out: this.layout.out,
        reasoning,
        context: [newsStep(n, held), ...relationSteps(p.holdings, this.reference.graph)],
      });
      results.push({ pid, ...r });
    }
    const res = await this.evaluations.commit(results.map((r) => r.outcome));
    const committed = new Set(res.committed);
    for (const r of results)
      if (committed.has(r.outcome)) {
        // A replayed (older) item must not replace newer news the portfolio remembers.
        const before = this.core.portfolios.get(r.pid)?.lastNews;
        this.core.install({ ...r.next, lastNews: newerNews(before, r.next.lastNews) });
      }
    if (only && res.committed.length > 0)
      this.metrics.messages.inc({ kind: 'news', outcome: 'replayed' }, res.committed.length);
    this.committed.report(res.committed, 'news', started);
    return res.committed.length;
  }
}
