import type { DataSource, EntityManager } from 'typeorm';
import type { Alert, Evaluation } from '@risk/contracts';
import type { DailyClose } from '@risk/backtest';
import type { SnapshotPosition } from './entities/portfolio-snapshot.entity';

export interface OutboxDraft {
  topic: string;
  partition: number;
  key: string;
  payload: string;
  /**
   * The payload is the outcome's evaluation as JSON, exactly `JSON.stringify(evaluation)` (the
   * engine's evaluation message). The store then sends that text to PostgreSQL once, for this
   * row and for the evaluation's JSON columns both, instead of serializing the evaluation again
   * (at most one draft of an outcome; without one the columns come from the evaluation object).
   */
  isEvaluation?: boolean;
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

/**
 * Outcomes per group of multi-row statements: a flush of 2,000 portfolios is 4 groups of ~7
 * statements instead of ~12,000 single-row ones (bench:scale), and a group's payloads stay a few MB.
 */
const OUTCOMES_PER_STATEMENT = 500;

/** Outcomes a commit writes within PostgreSQL's default work_mem; larger ones get COMMIT_WORK_MEM. */
const SPILL_FREE_OUTCOMES = 64;

/**
 * An evaluation whose explanation has a step of kind `reasoning`: its text matched first (the
 * engine writes `"kind":"reasoning"`, rows converted from jsonb read `"kind": "reasoning"`), the
 * exact test then on those few only (PostgreSQL evaluates the cheaper condition first): a jsonb
 * conversion of every explanation scanned costs ~0.3 ms each at desk size.
 */
const HAS_REASONING_STEP = `(explanation::text LIKE '%"kind":"reasoning"%'
                       OR explanation::text LIKE '%"kind": "reasoning"%')
                  AND explanation::jsonb->'steps' @> '[{"kind":"reasoning"}]'::jsonb`;
const COMMIT_WORK_MEM = '64MB';

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
      // A part of a desk-sized flush is MBs of JSON: its joins and sorts would spill to
      // temporary files at the default 4 MB (EXPLAIN ANALYZE of 250 evaluations).
      if (outcomes.length > SPILL_FREE_OUTCOMES)
        await em.query(`SET LOCAL work_mem = '${COMMIT_WORK_MEM}'`);
      let snapshotApplied = false;
      if (snapshot) {
        snapshotApplied = await this.claim(em, snapshot.sourceTopic, snapshot.sourceId, '');
        if (snapshotApplied) await this.insertSnapshot(em, snapshot);
      }
      const committed: EvaluationOutcome[] = [];
      if (!snapshot || snapshotApplied) {
        for (let i = 0; i < outcomes.length; i += OUTCOMES_PER_STATEMENT)
          committed.push(
            ...(await this.insertOutcomes(em, outcomes.slice(i, i + OUTCOMES_PER_STATEMENT))),
          );
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

  /**
   * The outcomes' effects with one statement per table, exactly as inserting them one after the
   * other would leave them: an outcome whose claim or trigger key is taken (or repeats an earlier
   * one of the batch) has no effect; the portfolio row ends as the last outcome of its portfolio
   * leaves it, the day's record as the latest `asOf` (the later outcome on a tie); outbox rows
   * keep the outcomes' order (ids follow it: ev1, alert1, ev2, ...), and an evaluation's JSON is
   * sent once, as its outbox payload and its JSON columns both. Returns the outcomes that took
   * effect, in order.
   */
  private async insertOutcomes(
    em: EntityManager,
    outcomes: EvaluationOutcome[],
  ): Promise<EvaluationOutcome[]> {
    if (outcomes.length === 0) return [];
    // Claims, the first of each key in the batch only.
    const keyOf = (t: string, e: string, sc: string) => JSON.stringify([t, e, sc]);
    const firstOfKey = new Map<string, EvaluationOutcome>();
    for (const o of outcomes) {
      const k = keyOf(o.source.topic, o.source.eventId, o.source.scope);
      if (!firstOfKey.has(k)) firstOfKey.set(k, o);
    }
    const candidates = [...firstOfKey.values()];
    const claimed = await em.query<{ topic: string; event_id: string; scope: string }[]>(
      `INSERT INTO processed_events (topic, event_id, scope)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT DO NOTHING RETURNING topic, event_id, scope`,
      [
        candidates.map((o) => o.source.topic),
        candidates.map((o) => o.source.eventId),
        candidates.map((o) => o.source.scope),
      ],
    );
    const claimedKeys = new Set(claimed.map((r) => keyOf(r.topic, r.event_id, r.scope)));
    const toInsert = candidates.filter((o) =>
      claimedKeys.has(keyOf(o.source.topic, o.source.eventId, o.source.scope)),
    );
    if (toInsert.length === 0) return [];
    // Evaluations and their outbox rows in one statement, each evaluation's JSON sent once: the
    // engine's evaluation message (`isEvaluation`) is the row's payload as it is (byte for byte:
    // a jsonb round trip would reorder keys and respell numbers) and the source of the JSON
    // columns, which are json, kept verbatim too (a jsonb conversion of a desk-sized evaluation
    // was ~0.29 ms of PostgreSQL's CPU). Sending it twice, and serializing the evaluation again for the
    // columns, cost the engine's main thread more than evaluating at desk scale (bench:scale).
    // A trigger key taken already (or twice in the batch) inserts nothing, and no outbox row:
    // those join the evaluations' RETURNING, the one way a sub-statement sees another's rows.
    // Outbox rows keep the outcomes' order (its drafts in turn): ids follow the ORDER BY.
    const evs = toInsert.map((o) => o.evaluation);
    const docs: string[] = [];
    const drafts: { n: number; d: OutboxDraft; payload: string | null }[] = [];
    toInsert.forEach((o, i) => {
      const own = o.outbox.findIndex((d) => d.isEvaluation);
      docs.push(own >= 0 ? o.outbox[own].payload : JSON.stringify(o.evaluation));
      o.outbox.forEach((d, j) =>
        drafts.push({ n: i + 1, d, payload: j === own ? null : d.payload }),
      );
    });
    const inserted = await em.query<{ id: string }[]>(
      `WITH d AS (
         SELECT u.id, u.pid, u.ts, u.tt, u.te, u.score, u.level, u.n, j.doc
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
                       $6::float8[], $7::text[])
                WITH ORDINALITY AS u(id, pid, ts, tt, te, score, level, n)
           JOIN json_array_elements($8::json) WITH ORDINALITY AS j(doc, n) ON j.n = u.n
       ), ins AS (
         INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
         SELECT d.id, d.pid, d.ts, d.tt, d.te, d.score, d.level, c.metrics, c.explanation, c.timings
           FROM d CROSS JOIN LATERAL
                json_to_record(d.doc) AS c(metrics json, explanation json, timings json)
          ORDER BY d.n
         ON CONFLICT (portfolio_id, trigger_topic, trigger_event_id, ts) DO NOTHING RETURNING id
       ), ob AS (
         INSERT INTO outbox (topic, partition, message_key, payload)
         SELECT m.t, m.p, m.k, coalesce(v.v, d.doc::text)
           FROM unnest($9::int[], $10::text[], $11::int[], $12::text[]) WITH ORDINALITY AS m(n, t, p, k, i)
           JOIN json_array_elements_text($13::json) WITH ORDINALITY AS v(v, i) ON v.i = m.i
           JOIN d ON d.n = m.n
           JOIN ins ON ins.id = d.id
          ORDER BY m.i
       )
       SELECT id FROM ins`,
      [
        evs.map((e) => e.id),
        evs.map((e) => e.portfolioId),
        evs.map((e) => e.ts),
        evs.map((e) => e.trigger.topic),
        evs.map((e) => e.trigger.eventId),
        evs.map((e) => e.score),
        evs.map((e) => e.level),
        // The evaluations' JSON texts joined into one JSON array, as they are: PostgreSQL's json
        // type keeps each element's text verbatim (the payload, byte for byte). A text[] of 16 KB
        // evaluations cost more CPU in node-postgres's array escaping than evaluating them, and a
        // JSON array of strings (JSON.stringify) still escaped every quote: ~0.12 ms of the
        // engine's main thread per evaluation (bench:scale profile, 500 portfolios).
        `[${docs.join(',')}]`,
        drafts.map((r) => r.n),
        drafts.map((r) => r.d.topic),
        drafts.map((r) => r.d.partition),
        drafts.map((r) => r.d.key),
        // The other payloads (alerts), null where the row's payload is the evaluation's text.
        JSON.stringify(drafts.map((r) => r.payload)),
      ],
    );
    const insertedIds = new Set(inserted.map((r) => r.id));
    const done = toInsert.filter((o) => insertedIds.has(o.evaluation.id));
    if (done.length === 0) return [];

    const alerts = done.flatMap((o) => (o.alert ? [o.alert] : []));
    if (alerts.length > 0)
      await em.query(
        `INSERT INTO alerts (id, portfolio_id, ts, level, previous_level, evaluation_id, reason, incident_id)
         SELECT a, b, c, d, e, f, g, h
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
                       $6::uuid[], $7::text[], $8::text[]) WITH ORDINALITY AS u(a, b, c, d, e, f, g, h, n)
          ORDER BY n`,
        [
          alerts.map((a) => a.id),
          alerts.map((a) => a.portfolioId),
          alerts.map((a) => a.ts),
          alerts.map((a) => a.level),
          alerts.map((a) => a.previousLevel),
          alerts.map((a) => a.evaluationId),
          alerts.map((a) => a.reason),
          alerts.map((a) => a.incidentId ?? null),
        ],
      );

    // The portfolio row as its last outcome leaves it.
    const lastOfPortfolio = new Map<string, EvaluationOutcome>();
    for (const o of done) lastOfPortfolio.set(o.evaluation.portfolioId, o);
    const last = [...lastOfPortfolio.values()];
    await em.query(
      `UPDATE portfolios p SET peak_nav = u.peak, last_evaluation_id = u.eid, last_score = u.score,
         last_level = u.level, last_evaluated_at = u.at, breached_limits = u.breached::jsonb,
         updated_at = now()
         FROM unnest($1::text[], $2::float8[], $3::uuid[], $4::float8[], $5::text[],
                     $6::timestamptz[], $7::text[]) AS u(id, peak, eid, score, level, at, breached)
        WHERE p.id = u.id`,
      [
        last.map((o) => o.evaluation.portfolioId),
        last.map((o) => o.portfolio.peakNav),
        last.map((o) => o.evaluation.id),
        last.map((o) => o.evaluation.score),
        last.map((o) => o.evaluation.level),
        last.map((o) => o.evaluation.ts),
        last.map((o) => JSON.stringify(o.portfolio.breachedLimits)),
      ],
    );

    // The day's record: per portfolio and UTC day, the latest asOf (the later outcome on a tie),
    // then the same conditional upsert as one outcome at a time.
    const dayKey = (o: EvaluationOutcome) =>
      `${o.evaluation.portfolioId}\u0000${new Date(o.closing.asOf).toISOString().slice(0, 10)}`;
    const latestOfDay = new Map<string, EvaluationOutcome>();
    for (const o of done) {
      const k = dayKey(o);
      const cur = latestOfDay.get(k);
      if (!cur || Date.parse(cur.closing.asOf) <= Date.parse(o.closing.asOf)) latestOfDay.set(k, o);
    }
    const days = [...latestOfDay.values()];
    await em.query(
      `INSERT INTO daily_risk (portfolio_id, day, evaluation_id, as_of, nav, var99, es99, cash, positions)
       SELECT pid, (asof AT TIME ZONE 'UTC')::date, eid, asof, nav, var99, es99, cash, j.positions
         FROM unnest($1::text[], $2::timestamptz[], $3::uuid[], $4::float8[], $5::float8[],
                     $6::float8[], $7::float8[])
              WITH ORDINALITY AS u(pid, asof, eid, nav, var99, es99, cash, n)
         JOIN json_array_elements($8::json) WITH ORDINALITY AS j(positions, n) ON j.n = u.n
       ON CONFLICT (portfolio_id, day) DO UPDATE
         SET evaluation_id = EXCLUDED.evaluation_id, as_of = EXCLUDED.as_of,
             nav = EXCLUDED.nav, var99 = EXCLUDED.var99, es99 = EXCLUDED.es99, cash = EXCLUDED.cash,
             positions = EXCLUDED.positions, updated_at = now()
         WHERE daily_risk.as_of <= EXCLUDED.as_of`,
      [
        days.map((o) => o.evaluation.portfolioId),
        days.map((o) => o.closing.asOf),
        days.map((o) => o.evaluation.id),
        days.map((o) => o.evaluation.metrics.nav),
        days.map((o) => o.evaluation.metrics.var99),
        days.map((o) => o.evaluation.metrics.es99),
        days.map((o) => o.closing.cash),
        JSON.stringify(days.map((o) => o.closing.positions)),
      ],
    );

    return done;
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

  /**
   * The explanation steps of each portfolio's last `perPortfolio` evaluations that ran the
   * language model, oldest first (what rebuilds a portfolio's reasoning context).
   */
  async recentReasoningSteps(
    ids: readonly string[],
    perPortfolio: number,
  ): Promise<Map<string, { kind: string; text: string; data?: unknown }[][]>> {
    const out = new Map<string, { kind: string; text: string; data?: unknown }[][]>();
    if (ids.length === 0 || perPortfolio <= 0) return out;
    const rows: {
      portfolio_id: string;
      explanation: { steps: { kind: string; text: string; data?: unknown }[] };
    }[] = await this.ds.query(
      `SELECT p.id AS portfolio_id, e.explanation
         FROM unnest($1::text[]) AS p(id)
        CROSS JOIN LATERAL (
              SELECT explanation, ts, id FROM evaluations
               WHERE portfolio_id = p.id
                 AND ${HAS_REASONING_STEP}
               ORDER BY ts DESC, id DESC
               LIMIT $2) e
        ORDER BY p.id, e.ts, e.id`,
      [[...ids], perPortfolio],
    );
    for (const r of rows) {
      const list = out.get(r.portfolio_id) ?? [];
      list.push(r.explanation.steps);
      out.set(r.portfolio_id, list);
    }
    return out;
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
