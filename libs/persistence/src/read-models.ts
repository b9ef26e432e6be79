import type { DataSource } from 'typeorm';
import type { Alert, Evaluation, RiskLevel } from '@risk/contracts';

export interface PortfolioSummary {
  id: string;
  baseCurrency: string;
  score: number | null;
  level: RiskLevel | null;
  evaluatedAt: string | null;
  lastEvaluationId: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Opaque keyset cursor over (ts, id), newest first. */
export function encodeCursor(ts: string, id: string): string {
  return Buffer.from(`${ts}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { ts: string; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/.exec(text);
  return m ? { ts: m[1], id: m[2] } : null;
}

/** An `evaluations` row as PostgreSQL returns it. */
export interface EvaluationRow {
  id: string;
  portfolio_id: string;
  ts: Date;
  trigger_topic: string;
  trigger_event_id: string;
  score: number;
  level: RiskLevel;
  metrics: Evaluation['metrics'];
  explanation: Evaluation['explanation'];
  timings: Evaluation['timings'];
}

/** An `alerts` row as PostgreSQL returns it. */
export interface AlertRow {
  id: string;
  portfolio_id: string;
  ts: Date;
  level: RiskLevel;
  previous_level: RiskLevel | null;
  evaluation_id: string;
  reason: string;
  incident_id: string | null;
}

export function evaluationFromRow(r: EvaluationRow): Evaluation {
  return {
    id: r.id,
    portfolioId: r.portfolio_id,
    ts: r.ts.toISOString(),
    trigger: { topic: r.trigger_topic, eventId: r.trigger_event_id },
    score: r.score,
    level: r.level,
    metrics: r.metrics,
    explanation: r.explanation,
    timings: r.timings,
  };
}

/** The contract's Alert, with the incident id that groups alerts raised by one event. */
export function alertFromRow(r: AlertRow): Alert {
  const a: Alert = {
    id: r.id,
    portfolioId: r.portfolio_id,
    ts: r.ts.toISOString(),
    level: r.level,
    previousLevel: r.previous_level,
    evaluationId: r.evaluation_id,
    reason: r.reason,
  };
  if (r.incident_id) a.incidentId = r.incident_id;
  return a;
}

function page<T extends { ts: string; id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.ts, last.id) : null };
}

/** What the API reads. Keyset pagination on (ts, id) uses the (portfolio_id, ts, id) indexes. */
export class RiskReadModel {
  constructor(private readonly ds: DataSource) {}

  async listPortfolios(): Promise<PortfolioSummary[]> {
    const rows: {
      id: string;
      base_currency: string;
      last_score: number | null;
      last_level: RiskLevel | null;
      last_evaluated_at: Date | null;
      last_evaluation_id: string | null;
    }[] = await this.ds.query(
      'SELECT id, base_currency, last_score, last_level, last_evaluated_at, last_evaluation_id FROM portfolios ORDER BY id',
    );
    return rows.map((r) => ({
      id: r.id,
      baseCurrency: r.base_currency,
      score: r.last_score,
      level: r.last_level,
      evaluatedAt: r.last_evaluated_at ? r.last_evaluated_at.toISOString() : null,
      lastEvaluationId: r.last_evaluation_id,
    }));
  }

  async portfolioExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM portfolios WHERE id = $1', [id]);
    return rows.length > 0;
  }

  async latestEvaluation(portfolioId: string): Promise<Evaluation | null> {
    const rows: EvaluationRow[] = await this.ds.query(
      'SELECT * FROM evaluations WHERE portfolio_id = $1 ORDER BY ts DESC, id DESC LIMIT 1',
      [portfolioId],
    );
    return rows[0] ? evaluationFromRow(rows[0]) : null;
  }

  async getEvaluation(id: string): Promise<Evaluation | null> {
    const rows: EvaluationRow[] = await this.ds.query('SELECT * FROM evaluations WHERE id = $1', [
      id,
    ]);
    return rows[0] ? evaluationFromRow(rows[0]) : null;
  }

  async evaluationHistory(q: {
    portfolioId: string;
    from?: string;
    to?: string;
    limit: number;
    cursor?: { ts: string; id: string };
  }): Promise<Page<Evaluation>> {
    const rows: EvaluationRow[] = await this.ds.query(
      `SELECT * FROM evaluations
        WHERE portfolio_id = $1
          AND ($2::timestamptz IS NULL OR ts >= $2)
          AND ($3::timestamptz IS NULL OR ts < $3)
          AND ($4::timestamptz IS NULL OR (ts, id) < ($4::timestamptz, $5::uuid))
        ORDER BY ts DESC, id DESC LIMIT $6`,
      [
        q.portfolioId,
        q.from ?? null,
        q.to ?? null,
        q.cursor?.ts ?? null,
        q.cursor?.id ?? null,
        q.limit + 1,
      ],
    );
    return page(rows.map(evaluationFromRow), q.limit);
  }

  async listAlerts(q: {
    portfolioId?: string;
    since?: string;
    limit: number;
    cursor?: { ts: string; id: string };
  }): Promise<Page<Alert>> {
    const rows: AlertRow[] = await this.ds.query(
      `SELECT * FROM alerts
        WHERE ($1::text IS NULL OR portfolio_id = $1)
          AND ($2::timestamptz IS NULL OR ts >= $2)
          AND ($3::timestamptz IS NULL OR (ts, id) < ($3::timestamptz, $4::uuid))
        ORDER BY ts DESC, id DESC LIMIT $5`,
      [
        q.portfolioId ?? null,
        q.since ?? null,
        q.cursor?.ts ?? null,
        q.cursor?.id ?? null,
        q.limit + 1,
      ],
    );
    return page(rows.map(alertFromRow), q.limit);
  }
}
