import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { RiskLevel } from '@risk/contracts';

export interface InsertedAlert {
  alertId: string;
  evaluationId: string;
  portfolioId: string;
}

/**
 * Writes evaluations with alerts straight into PostgreSQL, one transaction per call, the way the
 * risk engine commits them: for API and webhook tests that need many alerts fast and exactly.
 */
export async function insertAlerts(
  databaseUrl: string,
  alerts: { portfolioId: string; level: RiskLevel; incidentId?: string; withAlert?: boolean }[],
  hold?: (client: Client) => Promise<void>,
): Promise<InsertedAlert[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('BEGIN');
    const out: InsertedAlert[] = [];
    for (const a of alerts) {
      const evaluationId = randomUUID();
      const alertId = randomUUID();
      const ts = new Date().toISOString();
      await c.query(
        `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
         VALUES ($1, $2, $3, 'test', $4, $5, $6, $7, $8, $9)`,
        [
          evaluationId,
          a.portfolioId,
          ts,
          evaluationId,
          a.level === 'CRITICAL' ? 0.95 : a.level === 'HIGH' ? 0.8 : 0.4,
          a.level,
          JSON.stringify({
            nav: 1,
            grossExposure: 1,
            netExposure: 1,
            maxWeight: 1,
            maxWeightSymbol: 'X',
            hhi: 1,
            var99: 0,
            es99: 0,
            volAnnualized: 0,
            drawdown: 0,
          }),
          JSON.stringify({
            steps: [{ kind: 'decision', text: `level ${a.level}`, data: {} }],
            models: {},
          }),
          JSON.stringify({ totalMs: 1, reasoningMs: 0, cachedTokens: 0, newTokens: 0 }),
        ],
      );
      if (a.withAlert !== false) {
        await c.query(
          `INSERT INTO alerts (id, portfolio_id, ts, level, previous_level, evaluation_id, reason, incident_id)
           VALUES ($1, $2, $3, $4, 'LOW', $5, $6, $7)`,
          [
            alertId,
            a.portfolioId,
            ts,
            a.level,
            evaluationId,
            `level rose to ${a.level}`,
            a.incidentId ?? null,
          ],
        );
      }
      out.push({ alertId, evaluationId, portfolioId: a.portfolioId });
    }
    if (hold) await hold(c);
    await c.query('COMMIT');
    return out;
  } finally {
    await c.end();
  }
}
