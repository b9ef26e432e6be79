import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BudgetAdmission,
  DeadlineError,
  InFlightLimiter,
  isPastDeadline,
  ReasoningEngine,
  ReasoningMetrics,
  reasoningRuntimeConfig,
  withStepSignal,
} from '@risk/lm-runtime';
import { RiskReasoner, type LogItem, type NewsInput, type NewsJudgement } from '@risk/reasoning';
import {
  APP_CONFIG,
  METRICS,
  MODEL_STATUS,
  type AppConfig,
  type ModelStatusRegistry,
  type ServiceMetrics,
} from '@risk/platform';

/**
 * The reasoning model as the risk engine uses it: opened once at boot from
 * REASONING_MODEL_DIR (the shipped model by default). Without a model folder the engine runs
 * on metrics, limits and trees alone, and says so in /ready and in each evaluation's models.
 */
@Injectable()
export class NewsReasoningService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(NewsReasoningService.name);
  private reasoner: RiskReasoner | null = null;
  private failure: string | null = null;
  private readonly inFlight: InFlightLimiter;
  /** Calls with a deadline start only when their class finishes in time lately (news, moves). */
  private readonly admission = new BudgetAdmission();
  /** Numbers the calls that no later call supersedes. */
  private calls = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(MODEL_STATUS) private readonly status: ModelStatusRegistry,
  ) {
    this.inFlight = new InFlightLimiter(cfg.reasoningMaxInflightPerPortfolio);
  }

  async onModuleInit(): Promise<void> {
    await this.open();
    this.status.set('reasoning', {
      model: this.modelId,
      reason: this.failure ?? undefined,
      required: false,
    });
  }

  private async open(): Promise<void> {
    if (!this.cfg.reasoningEnabled) {
      this.failure = 'disabled by REASONING_ENABLED=false';
      return;
    }
    // Relative to the working directory: npm scripts, Docker and the tests run from the root.
    const dir = resolve(this.cfg.reasoningModelDir);
    if (!existsSync(join(dir, 'model.onnx'))) {
      this.failure = `no model at ${dir}`;
      this.log.warn(
        `reasoning model not found at ${dir}: news is scored without the language model`,
      );
      return;
    }
    const engine = await ReasoningEngine.open(dir, reasoningRuntimeConfig(this.cfg), {
      metrics: new ReasoningMetrics(this.metrics.registry),
      logger: { warn: (m: string) => this.log.warn(m), log: (m: string) => this.log.log(m) },
    });
    this.reasoner = await RiskReasoner.open(dir, engine, {
      generate: this.cfg.reasoningGenerate,
      maxReasoningTokens: this.cfg.reasoningMaxTokens,
      ...(this.cfg.reasoningContextTokens > 0
        ? { contextTokens: this.cfg.reasoningContextTokens }
        : {}),
    });
    this.log.log(`reasoning model ${this.reasoner.modelId} on ${engine.executionProvider}`);
  }

  /** After the engine drained (its beforeApplicationShutdown): no judgement is in flight. */
  async onApplicationShutdown(): Promise<void> {
    await this.reasoner?.engine.close();
  }

  get modelId(): string | null {
    return this.reasoner?.modelId ?? null;
  }

  /** Why there is no model, or null when there is one. */
  get unavailableReason(): string | null {
    return this.reasoner ? null : this.failure;
  }

  /**
   * `priority` > 0: its model steps go ahead of routine ones (news before price moves). At most
   * REASONING_MAX_INFLIGHT_PER_PORTFOLIO judgements per portfolio run at once (the others wait,
   * highest priority first). A later call with the same `supersedes` kind for the portfolio, or
   * `supersede`, drops this one: it rejects with `SupersededError` (`isSuperseded`). Past
   * `deadline` (a `performance.now()` time) it is dropped too and rejects with `DeadlineError`
   * (`isPastDeadline`), at once, its model steps stopping at the next step; and it is not
   * started at all (same error) while judgements of its class (news, or moves) lately took
   * longer than the time left (`BudgetAdmission`; every 10 s a probe nobody waits for measures again).
   */
  async judge(
    portfolioId: string,
    input: NewsInput,
    priority = 0,
    supersedes?: string,
    deadline?: { at: number; budgetMs: number },
  ): Promise<NewsJudgement | null> {
    const reasoner = this.reasoner;
    if (!reasoner) return null;
    // No kind: a kind of its own, never superseded.
    const kind = supersedes ?? `call:${++this.calls}`;
    const run = () =>
      this.inFlight.run(
        portfolioId,
        kind,
        priority,
        (signal, stepPriority) =>
          withStepSignal(
            signal,
            () => reasoner.judge(portfolioId, input, { priority }),
            stepPriority,
          ),
        deadline,
      );
    if (!deadline) return run();
    // Not started when calls of its class lately took longer than the budget left: it would
    // only be dropped at its deadline, having taken the model's and the engine's time.
    const cls = priority > 0 ? 'news' : 'move';
    const started = performance.now();
    const admitted = this.admission.admit(cls, deadline.at - started, started);
    if (admitted !== 'run') {
      if (admitted === 'probe') this.probe(reasoner, cls, portfolioId, input, priority, deadline);
      throw new DeadlineError(portfolioId, kind, deadline.budgetMs);
    }
    try {
      const answer = await run();
      this.admission.finished(cls, performance.now() - started, performance.now());
      return answer;
    } catch (e) {
      if (isPastDeadline(e))
        this.admission.cut(cls, performance.now() - started, performance.now());
      throw e;
    }
  }

  /**
   * Measures the model again while its class is refused: the same judgement under a scratch key
   * (its own context, forgotten after), within the same budget from now, that no evaluation waits
   * for. A probe the caller waited for held its whole story up to the budget (bench:scale at 500
   * portfolios: ~9% of stories spent 250–500 ms there).
   */
  private probe(
    reasoner: RiskReasoner,
    cls: string,
    portfolioId: string,
    input: NewsInput,
    priority: number,
    deadline: { budgetMs: number },
  ): void {
    const key = `probe:${portfolioId}`;
    const t0 = performance.now();
    void this.inFlight
      .run(
        key,
        `probe:${++this.calls}`,
        priority,
        (signal, stepPriority) =>
          withStepSignal(signal, () => reasoner.judge(key, input, { priority }), stepPriority),
        { at: t0 + deadline.budgetMs, budgetMs: deadline.budgetMs },
      )
      .then(
        () => this.admission.finished(cls, performance.now() - t0, performance.now()),
        (e: unknown) => {
          if (isPastDeadline(e)) this.admission.cut(cls, performance.now() - t0, performance.now());
        },
      )
      .finally(() => reasoner.forget(key))
      // Nothing waits for a probe: whatever happens to it (the service closing) ends here.
      .catch(() => undefined);
  }

  /** A newer event made the portfolio's judgements of `kind` stale; returns how many dropped. */
  supersede(portfolioId: string, kind: string): number {
    return this.inFlight.supersede(portfolioId, kind);
  }

  forget(portfolioId: string): void {
    this.reasoner?.forget(portfolioId);
  }

  /** Whether the portfolio has a log (a context to keep). */
  hasContext(portfolioId: string): boolean {
    return (this.reasoner?.logOf(portfolioId).length ?? 0) > 0;
  }

  /** Puts back a portfolio's log rebuilt from PostgreSQL (its K/V comes with the next judgement). */
  async restore(portfolioId: string, items: readonly LogItem[]): Promise<void> {
    await this.reasoner?.restore(portfolioId, items);
  }
}
