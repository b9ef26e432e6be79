import { randomUUID } from 'node:crypto';
import type {
  Alert,
  Evaluation,
  EvaluationTrigger,
  ExplanationStep,
  RiskLevel,
  Tick,
} from '@risk/contracts';
import type {
  EvaluationOutcome,
  OutboxDraft,
  SnapshotRecord,
  StoredPortfolioState,
} from '@risk/persistence';
import { HoldingsIndex, InstrumentBook, type InstrumentBookSnapshot } from '@risk/risk-metrics';
import {
  RecentMoves,
  assessPortfolio,
  decideEvaluation,
  type Assessment,
  type PortfolioContext,
  bookSnapshot,
  largestExposure,
  type BookSnapshot,
  type SymbolExposure,
  type TreeVerdict,
} from '@risk/scoring';
import type { Judgement } from './judgement';
import { dailyClose } from '@risk/backtest';
import { floorNewsInput, strongerMove, type PriceMove } from './move-reasoning';

export type { SymbolExposure } from '@risk/scoring';

export interface PortfolioState {
  id: string;
  snapshot: SnapshotRecord;
  peakNav: number | null;
  lastLevel: RiskLevel | null;
  breaches: string[];
  /** The reasoning engine's latest judgement of news about a held symbol (in memory only). */
  lastNews?: {
    newsId: string;
    tsMs: number;
    symbols: string[];
    sharePct: number;
    pSevereNegative: number;
    pNegative: number;
    pNeutral: number;
    pPositive: number;
  };
}

/** A portfolio a tick touched since the last flush. */
export interface DirtyPortfolio {
  portfolioId: string;
  /** The last tick on one of its holdings (the evaluation's trigger). */
  tick: { id: string; ts: number };
  /** The largest-|z| move on one of its holdings since the last flush took it (null: none priced twice). */
  move: PriceMove | null;
}

export interface OutputTopics {
  evaluations: string;
  alerts: string;
  partitionFor(topic: string, key: string): number;
}

/** What one evaluation of a portfolio needs. */
export interface EvaluateArgs {
  state: PortfolioState;
  trigger: EvaluationTrigger;
  ts: string;
  incidentId: string;
  out: OutputTopics;
  context?: ExplanationStep[];
  sourceScope?: string;
  /** The language model's judgement this evaluation ran (news or a price move). */
  reasoning?: Judgement;
  assessment?: Assessment;
  tree?: TreeVerdict | null;
}

/** An evaluation: the outcome to commit, and the state to install once it is durable. */
export interface Evaluated {
  outcome: EvaluationOutcome;
  next: PortfolioState;
}

export interface EngineCoreOptions {
  ewmaLambda: number;
  sampleIntervalMs: number;
  largeMoveSigma: number;
}

/**
 * The risk engine's in-memory state and use cases, free of Kafka and SQL: prices, holdings,
 * the portfolios this instance owns, and which of them a tick made dirty. State changes only
 * through `install` (after the outcome is durable) so a failed commit changes nothing.
 */
export class EngineCore {
  readonly book: InstrumentBook;
  readonly holdings = new HoldingsIndex();
  readonly portfolios = new Map<string, PortfolioState>();
  /** Recent large price moves per symbol (z-scores), a tree feature. */
  readonly moves = new RecentMoves();
  /** Dirty portfolio → the last tick that touched one of its holdings and its largest move. */
  private readonly dirty = new Map<string, Omit<DirtyPortfolio, 'portfolioId'>>();
  /** Per portfolio, its place in the sequence of portfolios flushes took: `takeDirty`'s order. */
  private readonly lastTaken = new Map<string, number>();
  private takes = 0;

  constructor(
    private readonly opts: EngineCoreOptions,
    bookSnapshot?: InstrumentBookSnapshot,
  ) {
    this.book = bookSnapshot
      ? InstrumentBook.fromSnapshot(bookSnapshot)
      : new InstrumentBook({
          lambda: opts.ewmaLambda,
          sampleIntervalMs: opts.sampleIntervalMs,
          largeMoveZ: opts.largeMoveSigma,
        });
    this.book.keepHeld(this.holdings);
  }

  static stateFromStore(s: StoredPortfolioState): PortfolioState | null {
    if (!s.snapshot) return null;
    return {
      id: s.id,
      snapshot: s.snapshot,
      peakNav: s.peakNav,
      lastLevel: (s.lastLevel as RiskLevel | null) ?? null,
      breaches: s.breachedLimits,
    };
  }

  static contextOf(state: PortfolioState): PortfolioContext {
    return {
      portfolioId: state.id,
      cash: state.snapshot.cash,
      positions: state.snapshot.positions,
      limits: state.snapshot.limits,
      peakNav: state.peakNav,
      previousLevel: state.lastLevel,
      previousBreaches: state.breaches,
    };
  }

  /** Makes `state` the portfolio's current state (after its outcome is durable). */
  install(state: PortfolioState): void {
    const before = this.portfolios.get(state.id);
    this.portfolios.set(state.id, state);
    // Holdings follow the snapshot: an evaluation installs its portfolio with the same one
    // (bench:scale: re-indexing 125 positions per committed evaluation cost ~3% of the engine).
    if (before?.snapshot === state.snapshot) return;
    this.holdings.setHoldings(
      state.id,
      state.snapshot.positions.filter((p) => p.quantity !== 0).map((p) => p.symbol),
    );
  }

  drop(portfolioId: string): void {
    this.portfolios.delete(portfolioId);
    this.holdings.setHoldings(portfolioId, []);
    this.dirty.delete(portfolioId);
    this.lastTaken.delete(portfolioId);
  }

  /**
   * Applies one tick: O(1) plus the portfolios holding its symbol. `move` is the tick's return
   * and z-score against the symbol's previous price (none on its first price or when not applied).
   */
  applyTick(
    t: Tick,
    ts: number,
  ): { applied: boolean; stale: boolean; largeMove: boolean; move: PriceMove | null } {
    const previous = this.book.lastPrice(t.symbol);
    const r = this.book.applyTick(t.symbol, t.price, ts);
    let move: PriceMove | null = null;
    if (r.applied) {
      this.moves.record(t.symbol, ts, r.zScore);
      if (r.zScore !== null && previous !== undefined && Number.isFinite(r.zScore))
        move = {
          tickId: t.id,
          symbol: t.symbol,
          ts,
          ret: t.price / previous - 1,
          z: r.zScore,
          large: r.largeMove,
        };
      // One trigger object for every holder, and a holder's entry updated in place (the map owns
      // its entries: takeDirty copies them): ~50 holders a tick at 2,500 ticks a second.
      const tick = { id: t.id, ts };
      for (const pid of this.holdings.portfoliosHolding(t.symbol)) {
        const cur = this.dirty.get(pid);
        if (cur) {
          cur.tick = tick;
          cur.move = strongerMove(cur.move, move);
        } else this.dirty.set(pid, { tick, move });
      }
    }
    return { applied: r.applied, stale: r.stale, largeMove: r.largeMove, move };
  }

  hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** Takes the dirty set; `restoreDirty` puts entries back if their commit fails. */
  takeDirty(): DirtyPortfolio[] {
    const out = [...this.dirty].map(([portfolioId, d]) => ({ portfolioId, ...d }));
    this.dirty.clear();
    // The portfolio a flush took longest ago first, and so the same order flush after flush:
    // every portfolio waits about one flush interval for its next evaluation. In the order the
    // map holds (whichever ticked first after the last take), a portfolio evaluated early in
    // one flush could come last in the next and wait two flushes (bench:scale at 500
    // portfolios, where a flush takes ~1 s: tick p99 ~2 s).
    const last = (pid: string) => this.lastTaken.get(pid) ?? -1;
    out.sort((a, b) => last(a.portfolioId) - last(b.portfolioId));
    for (const d of out) this.lastTaken.set(d.portfolioId, ++this.takes);
    return out;
  }

  /** Puts taken entries back: a newer entry keeps its tick, and the larger move of the two. */
  restoreDirty(entries: DirtyPortfolio[]): void {
    for (const e of entries) {
      const cur = this.dirty.get(e.portfolioId);
      this.dirty.set(
        e.portfolioId,
        cur
          ? { tick: cur.tick, move: strongerMove(e.move, cur.move) }
          : { tick: e.tick, move: e.move },
      );
    }
  }

  /** The held symbol among `symbols` with the largest |value| at the last prices. */
  largestExposure(portfolioId: string, symbols: readonly string[]): SymbolExposure | null {
    const state = this.portfolios.get(portfolioId);
    if (!state) return null;
    return largestExposure(
      state.snapshot.cash,
      state.snapshot.positions,
      symbols,
      (p) => this.book.lastPrice(p.symbol) ?? p.price,
    );
  }

  /** A position's signed share of nav (long +, short −), as `largestExposure` values it. */
  weightOfNav(portfolioId: string, symbol: string): number | undefined {
    const e = this.largestExposure(portfolioId, [symbol]);
    if (!e || e.side === 'none') return undefined;
    return ((e.side === 'short' ? -1 : 1) * e.sharePct) / 100;
  }

  /**
   * The exposures a story has on a portfolio through the graph: each held symbol of `weights`
   * (symbol → path weight) with its share of nav times that weight, largest first (ties: in the
   * order of `weights`). A story's own symbols have weight 1, so for them this is the exposure.
   */
  effectiveExposures(portfolioId: string, weights: ReadonlyMap<string, number>): SymbolExposure[] {
    const out: SymbolExposure[] = [];
    for (const [symbol, w] of weights) {
      const e = this.largestExposure(portfolioId, [symbol]);
      if (e && e.side !== 'none') out.push({ ...e, sharePct: e.sharePct * w });
    }
    return out.sort((a, b) => b.sharePct - a.sharePct);
  }

  /**
   * The book as the reasoning context's snapshot line states it: holdings valued at the
   * snapshot's own prices (the last price only where the snapshot has none), so the line, and
   * with it the cached context after it, changes when a new snapshot arrives, not on every tick.
   */
  bookSnapshot(portfolioId: string): BookSnapshot | null {
    const state = this.portfolios.get(portfolioId);
    if (!state) return null;
    return bookSnapshot(
      state.snapshot.cash,
      state.snapshot.positions,
      (p) => p.price ?? this.book.lastPrice(p.symbol),
    );
  }

  holdersOf(symbols: readonly string[]): string[] {
    const out = new Set<string>();
    for (const s of symbols) for (const pid of this.holdings.portfoliosHolding(s)) out.add(pid);
    return [...out].filter((pid) => this.portfolios.has(pid)).sort();
  }

  /**
   * Evaluates `state` (the current one, or a new snapshot's candidate) for `trigger`.
   * Returns the outcome to commit and the state to install once it is durable.
   */
  evaluate(args: EvaluateArgs): Evaluated {
    const started = performance.now();
    const { state, trigger, out } = args;
    const ctx = EngineCore.contextOf(state);
    const draft = decideEvaluation(
      ctx,
      this.book,
      args.assessment ?? assessPortfolio(ctx, this.book),
      {
        warmupDays: this.book.config.warmupDays,
        defaultAnnualVol: this.book.config.defaultAnnualVol,
        tradingSecondsPerDay: this.book.config.tradingSecondsPerDay,
        context: args.context,
        reasoning: args.reasoning?.judgement,
        tree: args.tree ?? null,
        news: floorNewsInput(state.lastNews, args.reasoning?.judgement),
        judgement: state.lastNews
          ? {
              pSevereNegative: state.lastNews.pSevereNegative,
              pNegative: state.lastNews.pNegative,
              pPositive: state.lastNews.pPositive,
              sharePct: state.lastNews.sharePct,
              ageMs: Math.max(0, Date.parse(args.ts) - state.lastNews.tsMs),
            }
          : null,
      },
    );
    const evaluation: Evaluation = {
      id: randomUUID(),
      portfolioId: state.id,
      ts: args.ts,
      trigger,
      score: draft.score,
      level: draft.level,
      metrics: draft.metrics,
      explanation: {
        steps: draft.steps,
        models: draft.models,
        ...(draft.truncatedPositions > 0 ? { truncatedPositions: draft.truncatedPositions } : {}),
      },
      timings: args.reasoning?.timings ?? {
        totalMs: 0,
        reasoningMs: 0,
        cachedTokens: 0,
        newTokens: 0,
      },
    };
    const alert: Alert | null = draft.alertReason
      ? {
          id: randomUUID(),
          portfolioId: state.id,
          ts: args.ts,
          level: draft.level,
          previousLevel: state.lastLevel,
          evaluationId: evaluation.id,
          reason: draft.alertReason,
          incidentId: args.incidentId,
        }
      : null;
    evaluation.timings.totalMs =
      Math.round((performance.now() - started + evaluation.timings.reasoningMs) * 1000) / 1000;
    const outbox: OutboxDraft[] = [
      {
        topic: out.evaluations,
        partition: out.partitionFor(out.evaluations, state.id),
        key: state.id,
        payload: JSON.stringify(evaluation),
        // The store reads the evaluation's JSON columns from this text: serialized once, sent once.
        isEvaluation: true,
      },
    ];
    if (alert) {
      outbox.push({
        topic: out.alerts,
        partition: out.partitionFor(out.alerts, state.id),
        key: state.id,
        payload: JSON.stringify(alert),
      });
    }
    return {
      outcome: {
        source: {
          topic: trigger.topic,
          eventId: trigger.eventId,
          scope: args.sourceScope ?? state.id,
        },
        evaluation,
        alert,
        portfolio: { peakNav: draft.peakNav, breachedLimits: draft.breaches },
        outbox,
        closing: dailyClose(args.ts, state.snapshot.cash, state.snapshot.positions, this.book),
      },
      next: { ...state, peakNav: draft.peakNav, lastLevel: draft.level, breaches: draft.breaches },
    };
  }
}
