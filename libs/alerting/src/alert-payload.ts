import type { Alert, RiskLevel } from '@risk/contracts';

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
