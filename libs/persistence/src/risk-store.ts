import type { DataSource, EntityManager } from 'typeorm';
import type { Alert, Evaluation } from '@risk/contracts';
import type { DailyClose } from '@risk/backtest';
import type { SnapshotPosition } from './entities/portfolio-snapshot.entity';

export interface OutboxDraft {
  topic: string;
  partition: number;
  key: string;
  payload: string;
}

/** Everything one evaluation changes, committed atomically. */
export interface EvaluationOutcome {
  /** Idempotency key of the effect: the source message and the portfolio it is for. */
  source: { topic: string; eventId: string; scope: string };
  evaluation: Evaluation;
  alert: Alert | null;
  portfolio: { peakNav: number | null; breachedLimits: string[] };
  outbox: OutboxDraft[];
  /** What the portfolio held and at which prices: the day's record if this is its latest evaluation. */
  closing: DailyClose;
}

export interface SnapshotRecord {
  id: string;
  portfolioId: string;
  sourceTopic: string;
  sourceId: string;
  /** The positions partition the snapshot arrived on; it decides the owning instance. */
  sourcePartition?: number | null;
  ts: string;
  baseCurrency: string;
  cash: number;
  positions: SnapshotPosition[];
  limits: Record<string, number> | null;
}

export interface EngineStateRecord {
  instanceId: string;
  /** The book's global part (its header); on load, with its symbol rows as `symbols`. */
  instruments: unknown;
  /** Symbol rows changed since the last save, and symbols to forget (written incrementally). */
  symbols?: EngineSymbolChanges;
  tickOffsets: Record<string, string>;
}

export interface EngineSymbolChanges {
  upsert: readonly { symbol: string; state: string }[];
  remove: readonly string[];
}

/** Rows per statement: keeps each statement's parameters well under PostgreSQL's limits. */
const SYMBOL_ROWS_PER_STATEMENT = 5_000;

export interface StoredPortfolioState {
  id: string;
  baseCurrency: string;
  snapshot: SnapshotRecord | null;
  peakNav: number | null;
  lastLevel: string | null;
  breachedLimits: string[];
}

interface SnapshotRow {
  id: string;
  portfolio_id: string;
  source_id: string;
  source_partition: number | null;
  ts: Date;
  base_currency: string;
  cash: number;
  positions: SnapshotPosition[];
  limits: Record<string, number> | null;
}

/** The engine's writes and restart reads. Every write is idempotent on its source event. */
export class RiskStore {
  constructor(private readonly ds: DataSource) {}

  /**
   * Commits outcomes in one transaction, skipping any whose source event was already processed.
   * Returns the outcomes that took effect.
   */
  async commitOutcomes(
    outcomes: EvaluationOutcome[],
    engineState?: EngineStateRecord,
    snapshot?: SnapshotRecord,
  ): Promise<{ committed: EvaluationOutcome[]; snapshotApplied: boolean }> {
    return this.ds.transaction(async (em) => {
      let snapshotApplied = false;
      if (snapshot) {
        snapshotApplied = await this.claim(em, snapshot.sourceTopic, snapshot.sourceId, '');
        if (snapshotApplied) await this.insertSnapshot(em, snapshot);
      }
      const committed: EvaluationOutcome[] = [];
      if (!snapshot || snapshotApplied) {
        for (const o of outcomes) {
          if (!(await this.claim(em, o.source.topic, o.source.eventId, o.source.scope))) continue;
          if (await this.insertOutcome(em, o)) committed.push(o);
        }
      }
      if (engineState) {
        await em.query(
          `INSERT INTO engine_state (instance_id, instruments, tick_offsets, updated_at)
           VALUES ($1, $2, $3, now())
           ON CONFLICT (instance_id) DO UPDATE
             SET instruments = EXCLUDED.instruments, tick_offsets = EXCLUDED.tick_offsets, updated_at = now()`,
          [
            engineState.instanceId,
            JSON.stringify(engineState.instruments),
            JSON.stringify(engineState.tickOffsets),
          ],
        );
        if (engineState.symbols)
          await this.saveSymbols(em, engineState.instanceId, engineState.symbols);
      }
      return { committed, snapshotApplied };
    });
  }

  private async saveSymbols(
    em: EntityManager,
    instanceId: string,
    changes: EngineSymbolChanges,
  ): Promise<void> {
    for (let i = 0; i < changes.remove.length; i += SYMBOL_ROWS_PER_STATEMENT) {
      await em.query(
        'DELETE FROM engine_symbol_state WHERE instance_id = $1 AND symbol = ANY($2::text[])',
        [instanceId, changes.remove.slice(i, i + SYMBOL_ROWS_PER_STATEMENT)],
      );
    }
    for (let i = 0; i < changes.upsert.length; i += SYMBOL_ROWS_PER_STATEMENT) {
      const rows = changes.upsert.slice(i, i + SYMBOL_ROWS_PER_STATEMENT);
      await em.query(
        `INSERT INTO engine_symbol_state (instance_id, symbol, state, updated_at)
         SELECT $1, s, st, now() FROM unnest($2::text[], $3::text[]) AS u(s, st)
         ON CONFLICT (instance_id, symbol) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
        [instanceId, rows.map((r) => r.symbol), rows.map((r) => r.state)],
      );
    }
  }

  private async claim(
    em: EntityManager,
    topic: string,
    eventId: string,
    scope: string,
  ): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `INSERT INTO processed_events (topic, event_id, scope) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [topic, eventId, scope],
    );
    return rows.length === 1;
  }

  private async insertSnapshot(em: EntityManager, s: SnapshotRecord): Promise<void> {
    await em.query(
      `INSERT INTO portfolio_snapshots (id, portfolio_id, source_id, ts, base_currency, cash, positions, limits, source_partition)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        s.id,
        s.portfolioId,
        s.sourceId,
        s.ts,
        s.baseCurrency,
        s.cash,
        JSON.stringify(s.positions),
        s.limits ? JSON.stringify(s.limits) : null,
        s.sourcePartition ?? null,
      ],
    );
    await em.query(
      `INSERT INTO portfolios (id, base_currency, latest_snapshot_id) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET base_currency = EXCLUDED.base_currency,
         latest_snapshot_id = EXCLUDED.latest_snapshot_id, updated_at = now()`,
      [s.portfolioId, s.baseCurrency, s.id],
    );
  }

  private async insertOutcome(em: EntityManager, o: EvaluationOutcome): Promise<boolean> {
    const e = o.evaluation;
    const rows: unknown[] = await em.query(
      `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (portfolio_id, trigger_topic, trigger_event_id, ts) DO NOTHING RETURNING 1`,
      [
        e.id,
        e.portfolioId,
        e.ts,
        e.trigger.topic,
        e.trigger.eventId,
        e.score,
        e.level,
        JSON.stringify(e.metrics),
        JSON.stringify(e.explanation),
        JSON.stringify(e.timings),
      ],
    );
    if (rows.length === 0) return false;
    if (o.alert) {
      const a = o.alert;
      await em.query(
        `INSERT INTO alerts (id, portfolio_id, ts, level, previous_level, evaluation_id, reason, incident_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          a.id,
          a.portfolioId,
          a.ts,
          a.level,
          a.previousLevel,
          a.evaluationId,
          a.reason,
          a.incidentId ?? null,
        ],
      );
    }
    await em.query(
      `UPDATE portfolios SET peak_nav = $2, last_evaluation_id = $3, last_score = $4, last_level = $5,
         last_evaluated_at = $6, breached_limits = $7, updated_at = now() WHERE id = $1`,
      [
        e.portfolioId,
        o.portfolio.peakNav,
        e.id,
        e.score,
        e.level,
        e.ts,
        JSON.stringify(o.portfolio.breachedLimits),
      ],
    );
    await this.upsertDailyRisk(em, o);
    for (const m of o.outbox) {
      await em.query(
        `INSERT INTO outbox (topic, partition, message_key, payload) VALUES ($1, $2, $3, $4)`,
        [m.topic, m.partition, m.key, m.payload],
      );
    }
    return true;
  }

  /**
   * The portfolio's record for the UTC day its evaluated state is as of (event time): the day's
   * latest state wins (on equal times the later commit, which has seen more ticks). Same
   * transaction as the evaluation, so a live stream and a replay of history make the same records.
   */
  private async upsertDailyRisk(em: EntityManager, o: EvaluationOutcome): Promise<void> {
    const e = o.evaluation;
    await em.query(
      `INSERT INTO daily_risk (portfolio_id, day, evaluation_id, as_of, nav, var99, es99, cash, positions)
       VALUES ($1, ($2::timestamptz AT TIME ZONE 'UTC')::date, $3, $2, $4, $5, $6, $7, $8)
       ON CONFLICT (portfolio_id, day) DO UPDATE
         SET evaluation_id = EXCLUDED.evaluation_id, as_of = EXCLUDED.as_of,
             nav = EXCLUDED.nav, var99 = EXCLUDED.var99, es99 = EXCLUDED.es99, cash = EXCLUDED.cash,
             positions = EXCLUDED.positions, updated_at = now()
         WHERE daily_risk.as_of <= EXCLUDED.as_of`,
      [
        e.portfolioId,
        o.closing.asOf,
        e.id,
        e.metrics.nav,
        e.metrics.var99,
        e.metrics.es99,
        o.closing.cash,
        JSON.stringify(o.closing.positions),
      ],
    );
  }

  /** Which of `scopes` already have an effect of (topic, eventId). */
  async processedScopes(topic: string, eventId: string, scopes: string[]): Promise<Set<string>> {
    const rows: { scope: string }[] = await this.ds.query(
      'SELECT scope FROM processed_events WHERE topic = $1 AND event_id = $2 AND scope = ANY($3::text[])',
      [topic, eventId, scopes],
    );
    return new Set(rows.map((r) => r.scope));
  }

  async loadEngineState(instanceId: string): Promise<EngineStateRecord | null> {
    const rows: { instruments: unknown; tick_offsets: Record<string, string> }[] =
      await this.ds.query(
        'SELECT instruments, tick_offsets FROM engine_state WHERE instance_id = $1',
        [instanceId],
      );
    if (!rows[0]) return null;
    const header = rows[0].instruments;
    // A version-1 state holds every symbol itself; later ones keep them as rows.
    const legacy = (header as { version?: unknown } | null)?.version === 1;
    const symbols = legacy
      ? []
      : await this.ds.query<{ symbol: string; state: string }[]>(
          `SELECT symbol, state FROM engine_symbol_state WHERE instance_id = $1
            ORDER BY updated_at, symbol`,
          [instanceId],
        );
    return {
      instanceId,
      instruments: legacy ? header : { ...(header as object), symbols },
      tickOffsets: rows[0].tick_offsets,
    };
  }

  /** The state of the given portfolios (all when ids is omitted) as of their last commit. */
  async loadPortfolioStates(ids?: string[]): Promise<StoredPortfolioState[]> {
    const rows: (SnapshotRow & {
      pid: string;
      pbase: string;
      peak_nav: number | null;
      last_level: string | null;
      breached_limits: string[];
    })[] = await this.ds.query(
      `SELECT p.id AS pid, p.base_currency AS pbase, p.peak_nav, p.last_level, p.breached_limits, s.*
           FROM portfolios p LEFT JOIN portfolio_snapshots s ON s.id = p.latest_snapshot_id
          WHERE ($1::text[] IS NULL OR p.id = ANY($1::text[]))`,
      [ids ?? null],
    );
    return rows.map((r) => ({
      id: r.pid,
      baseCurrency: r.pbase,
      peakNav: r.peak_nav,
      lastLevel: r.last_level,
      breachedLimits: r.breached_limits ?? [],
      snapshot: r.id
        ? {
            id: r.id,
            portfolioId: r.portfolio_id,
            sourceTopic: '',
            sourceId: r.source_id,
            sourcePartition: r.source_partition,
            ts: r.ts.toISOString(),
            baseCurrency: r.base_currency,
            cash: r.cash,
            positions: r.positions,
            limits: r.limits,
          }
        : null,
    }));
  }
}
