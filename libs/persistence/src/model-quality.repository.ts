import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ScoredEvaluation } from '@risk/backtest';

/** The portfolio id model-quality alerts carry (no portfolio: the score itself). */
export const MODEL_QUALITY_ALERT_PORTFOLIO = 'model-quality';

/** What the model monitor reads, and its drift alert. */
export class ModelQualityRepository {
  constructor(private readonly ds: DataSource) {}

  /** The newest evaluation's event time (ms), null with none. */
  async newestEvaluationTs(): Promise<number | null> {
    const rows: { ts: Date | null }[] = await this.ds.query(
      'SELECT max(ts) AS ts FROM evaluations',
    );
    return rows[0]?.ts ? rows[0].ts.getTime() : null;
  }

  /**
   * Evaluations with event time in [fromMs, toMs], the newest `cap` of them; `rebalanceTopic`
   * marks those a positions snapshot triggered.
   */
  async scoredEvaluations(
    fromMs: number,
    toMs: number,
    rebalanceTopic: string,
    cap: number,
  ): Promise<ScoredEvaluation[]> {
    const rows: {
      portfolio_id: string;
      ts: Date;
      score: number;
      nav: number | null;
      trigger_topic: string;
    }[] = await this.ds.query(
      `SELECT portfolio_id, ts, score, (metrics->>'nav')::float8 AS nav, trigger_topic
           FROM evaluations WHERE ts >= $1 AND ts <= $2 ORDER BY ts DESC LIMIT $3`,
      [new Date(fromMs), new Date(toMs), cap],
    );
    return rows.map((r) => ({
      portfolioId: r.portfolio_id,
      ts: r.ts.getTime(),
      score: r.score,
      nav: r.nav ?? 0,
      rebalance: r.trigger_topic === rebalanceTopic,
    }));
  }

  /**
   * Raises the drift alert once per incident (one a UTC day of event time): an `alerts` row, so
   * the stream and the webhooks deliver it like any other. Returns whether it was new.
   */
  async raiseDriftAlert(a: { ts: string; incidentId: string; reason: string }): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      // Two api instances may see the drift at once: one alert.
      await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [a.incidentId]);
      const seen: unknown[] = await em.query('SELECT 1 FROM alerts WHERE incident_id = $1', [
        a.incidentId,
      ]);
      if (seen.length > 0) return false;
      await em.query(
        `INSERT INTO alerts (id, portfolio_id, ts, level, previous_level, evaluation_id, reason, incident_id)
         VALUES ($1, $2, $3, 'HIGH', NULL, $4, $5, $6)`,
        [randomUUID(), MODEL_QUALITY_ALERT_PORTFOLIO, a.ts, randomUUID(), a.reason, a.incidentId],
      );
      return true;
    });
  }
}
