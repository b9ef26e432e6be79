import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RISK_LEVELS, type RiskLevel } from '@risk/contracts';
import { WEBHOOK_SCANNER_CURSOR, alertFromRow, type AlertRow } from '@risk/persistence';
import type { AttemptOutcome } from './retry-policy';
import { decryptSecret, encryptSecret } from './secret-box';
import { newWebhookSecret } from './signing';
import { STREAM_START, afterPositionSql } from './stream-position';

export interface WebhookSubscription {
  id: string;
  url: string;
  minLevel: RiskLevel;
  portfolioIds: string[] | null;
  createdAt: string;
  disabledAt: string | null;
  disabledReason: string | null;
}

export interface DeliveryAttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  outcome: AttemptOutcome;
  nextAttemptAt: string | null;
}

export interface DeliveryView {
  /** The `webhook-id` every attempt carries. */
  id: string;
  alertId: string;
  incidentId: string | null;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: DeliveryAttemptView[];
  nextAttemptAt: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** A delivery claimed by one worker for one attempt. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  url: string;
  /** The signing secret in clear, or null when it cannot be decrypted (another key). */
  secret: string | null;
  payload: string;
  attempt: number;
  alertCommittedAt: Date;
}

// Retention keeps the stream rows this cursor has not read while a subscription is active.
const SCANNER = WEBHOOK_SCANNER_CURSOR;
const LEVELS_SQL = `ARRAY[${RISK_LEVELS.map((l) => `'${l}'`).join(',')}]`;

interface SubscriptionRow {
  id: string;
  url: string;
  min_level: RiskLevel;
  portfolio_ids: string[] | null;
  created_at: Date;
  disabled_at: Date | null;
  disabled_reason: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function subscriptionOf(r: SubscriptionRow): WebhookSubscription {
  return {
    id: r.id,
    url: r.url,
    minLevel: r.min_level,
    portfolioIds: r.portfolio_ids,
    createdAt: r.created_at.toISOString(),
    disabledAt: iso(r.disabled_at),
    disabledReason: r.disabled_reason,
  };
}

/** Subscriptions, deliveries and attempts in PostgreSQL: the whole state of webhook delivery. */
export class WebhookRepository {
  /** `secretKey`: WEBHOOK_SECRET_KEY, which encrypts the signing secrets at rest. */
  constructor(
    private readonly ds: DataSource,
    private readonly secretKey: Buffer,
  ) {}

  async createSubscription(s: {
    url: string;
    minLevel: RiskLevel;
    portfolioIds: string[] | null;
    createdBy: string | null;
  }): Promise<{ id: string; secret: string }> {
    const id = randomUUID();
    const secret = newWebhookSecret();
    await this.ds.query(
      `INSERT INTO webhook_subscriptions (id, url, min_level, portfolio_ids, secret, created_by)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        id,
        s.url,
        s.minLevel,
        s.portfolioIds,
        encryptSecret(this.secretKey, secret, id),
        s.createdBy,
      ],
    );
    return { id, secret };
  }

  async listSubscriptions(): Promise<WebhookSubscription[]> {
    const rows: SubscriptionRow[] = await this.ds.query(
      `SELECT * FROM webhook_subscriptions WHERE deleted_at IS NULL ORDER BY created_at, id`,
    );
    return rows.map(subscriptionOf);
  }

  async getSubscription(id: string): Promise<WebhookSubscription | null> {
    const rows: SubscriptionRow[] = await this.ds.query(
      `SELECT * FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return rows[0] ? subscriptionOf(rows[0]) : null;
  }

  /** Soft delete (its deliveries stay for the record); pending deliveries are cancelled. */
  async deleteSubscription(id: string): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      const res: [unknown[], number] = await em.query(
        `UPDATE webhook_subscriptions SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`,
        [id],
      );
      if (res[1] === 0) return false;
      await em.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, completed_at = now()
          WHERE subscription_id = $1 AND status = 'pending'`,
        [id],
      );
      return true;
    });
  }

  async listDeliveries(subscriptionId: string, limit: number): Promise<DeliveryView[]> {
    const rows: {
      id: string;
      alert_id: string;
      incident_id: string | null;
      status: DeliveryView['status'];
      next_attempt_at: Date | null;
      created_at: Date;
      completed_at: Date | null;
      attempts: {
        attempt: number;
        started_at: string;
        duration_ms: number;
        status_code: number | null;
        error: string | null;
        outcome: AttemptOutcome;
        next_attempt_at: string | null;
      }[];
    }[] = await this.ds.query(
      `SELECT d.id, d.alert_id, d.incident_id, d.status, d.next_attempt_at, d.created_at, d.completed_at,
              COALESCE((SELECT json_agg(a ORDER BY a.attempt) FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
         FROM webhook_deliveries d
        WHERE d.subscription_id = $1
        ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
      [subscriptionId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      alertId: r.alert_id,
      incidentId: r.incident_id,
      status: r.status,
      // A pending delivery shows when it will be tried next; a claimed one shows its lease end.
      nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
      createdAt: r.created_at.toISOString(),
      completedAt: iso(r.completed_at),
      attempts: r.attempts.map((a) => ({
        attempt: a.attempt,
        startedAt: new Date(a.started_at).toISOString(),
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        error: a.error,
        outcome: a.outcome,
        nextAttemptAt: a.next_attempt_at ? new Date(a.next_attempt_at).toISOString() : null,
      })),
    }));
  }

  /**
   * Turns newly committed alerts into deliveries, one per matching subscription, idempotently
   * (unique on subscription and alert), and moves the scanner's cursor in the same transaction.
   * A subscription receives alerts committed after it was created. Returns stream rows read.
   */
  async scanNewAlerts(batch: number, firstDelayMs: number): Promise<number> {
    return this.ds.transaction(async (em) => {
      await em.query(
        `INSERT INTO stream_cursors (name, tx_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [SCANNER, STREAM_START.txId, STREAM_START.seq],
      );
      const [cursor] = await em.query<{ tx_id: string; seq: string }[]>(
        `SELECT tx_id::text AS tx_id, seq::text AS seq FROM stream_cursors WHERE name = $1 FOR UPDATE`,
        [SCANNER],
      );
      const rows: (AlertRow & {
        e_tx: string;
        e_seq: string;
        e_kind: string;
        e_created: Date;
      })[] = await em.query(
        `SELECT e.tx_id::text AS e_tx, e.seq::text AS e_seq, e.kind AS e_kind, e.created_at AS e_created, a.*
           FROM stream_events e LEFT JOIN alerts a ON e.kind = 'alert' AND a.id = e.ref_id
          WHERE ${afterPositionSql('e', '$1', '$2')}
          ORDER BY e.tx_id, e.seq LIMIT $3`,
        [cursor.tx_id, cursor.seq, batch],
      );
      if (rows.length === 0) return 0;
      const alerts = rows.filter((r) => r.e_kind === 'alert' && r.id);
      if (alerts.length > 0) {
        await em.query(
          `INSERT INTO webhook_deliveries
             (id, subscription_id, alert_id, incident_id, payload, status, attempts, next_attempt_at, alert_committed_at)
           SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), s.id, x.alert_id, x.incident_id,
                  x.payload, 'pending', 0, now() + $7 * interval '1 millisecond', x.committed_at
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
                    AS x(alert_id, portfolio_id, level, incident_id, payload, committed_at)
             JOIN webhook_subscriptions s
               ON s.deleted_at IS NULL AND s.disabled_at IS NULL
              AND s.created_at <= x.committed_at
              AND (s.portfolio_ids IS NULL OR x.portfolio_id = ANY (s.portfolio_ids))
              AND array_position(${LEVELS_SQL}, x.level) >= array_position(${LEVELS_SQL}, s.min_level)
           ON CONFLICT (subscription_id, alert_id) DO NOTHING`,
          [
            alerts.map((a) => a.id),
            alerts.map((a) => a.portfolio_id),
            alerts.map((a) => a.level),
            alerts.map((a) => a.incident_id),
            alerts.map((a) => JSON.stringify(alertFromRow(a))),
            alerts.map((a) => a.e_created),
            firstDelayMs,
          ],
        );
      }
      const last = rows[rows.length - 1];
      await em.query(
        `UPDATE stream_cursors SET tx_id = $2, seq = $3, updated_at = now() WHERE name = $1`,
        [SCANNER, last.e_tx, last.e_seq],
      );
      return rows.length;
    });
  }

  /**
   * Claims due deliveries for one attempt each: the attempt number is taken and the delivery is
   * leased (pushed `leaseMs` into the future) in one statement under SKIP LOCKED, so two workers
   * never send the same attempt, and a worker that dies mid-send is retried after the lease.
   */
  async claimDue(
    limit: number,
    leaseMs: number,
    cap: { maxPerSubscription: number; inFlight: ReadonlyMap<string, number> } = {
      maxPerSubscription: limit,
      inFlight: new Map(),
    },
  ): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    type Row = {
      id: string;
      subscription_id: string;
      url: string;
      secret: string;
      payload: string;
      attempts: number;
      alert_committed_at: Date;
    };
    // Each subscription gets at most `maxPerSubscription` less what this worker already has in
    // flight for it: the due rows are locked first (SKIP LOCKED), then ranked per subscription.
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [rows] = await this.ds.query<[Row[], number]>(
      `WITH due AS (
         SELECT id, subscription_id, next_attempt_at FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= now()
            AND NOT (subscription_id = ANY ($4::uuid[]))
          ORDER BY next_attempt_at LIMIT $1 * 4 FOR UPDATE SKIP LOCKED),
       ranked AS (
         SELECT due.id, due.next_attempt_at,
                row_number() OVER (PARTITION BY due.subscription_id ORDER BY due.next_attempt_at, due.id) AS rn,
                $3::int - COALESCE(f.n, 0) AS room
           FROM due LEFT JOIN unnest($5::uuid[], $6::int[]) AS f(sub, n) ON f.sub = due.subscription_id),
       picked AS (
         SELECT id FROM ranked WHERE rn <= room ORDER BY next_attempt_at, id LIMIT $1)
       UPDATE webhook_deliveries d
          SET attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
         FROM picked, webhook_subscriptions s
        WHERE d.id = picked.id AND s.id = d.subscription_id
       RETURNING d.id, d.subscription_id, s.url, s.secret, d.payload, d.attempts, d.alert_committed_at`,
      [
        limit,
        leaseMs,
        cap.maxPerSubscription,
        [...cap.inFlight].filter(([, n]) => n >= cap.maxPerSubscription).map(([sub]) => sub),
        [...cap.inFlight.keys()],
        [...cap.inFlight.values()],
      ],
    );
    return rows.map((r) => ({
      id: r.id,
      subscriptionId: r.subscription_id,
      url: r.url,
      secret: this.openSecret(r.secret, r.subscription_id),
      payload: r.payload,
      attempt: r.attempts,
      alertCommittedAt: r.alert_committed_at,
    }));
  }

  private openSecret(stored: string, subscriptionId: string): string | null {
    try {
      return decryptSecret(this.secretKey, stored, subscriptionId);
    } catch {
      return null;
    }
  }

  /**
   * Records one attempt and moves the delivery on. Fenced by the attempt number: if this
   * worker's lease ran out and another attempt was claimed, the delivery is left to that one.
   */
  async recordAttempt(
    d: ClaimedDelivery,
    a: {
      startedAt: Date;
      durationMs: number;
      statusCode: number | null;
      error: string | null;
      outcome: AttemptOutcome;
      retryInMs: number | null;
    },
  ): Promise<void> {
    await this.ds.transaction(async (em) => {
      // The next attempt's time is the database's, like every due time the claim compares.
      const [{ next }] = await em.query<{ next: Date | null }[]>(
        `SELECT CASE WHEN $1::bigint IS NULL THEN NULL ELSE now() + $1::bigint * interval '1 millisecond' END AS next`,
        [a.retryInMs],
      );
      await em.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, outcome, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [
          d.id,
          d.attempt,
          a.startedAt,
          a.durationMs,
          a.statusCode,
          a.error?.slice(0, 1000) ?? null,
          a.outcome,
          next,
        ],
      );
      const status =
        a.outcome === 'retry' ? 'pending' : a.outcome === 'delivered' ? 'delivered' : 'failed';
      await em.query(
        `UPDATE webhook_deliveries
            SET status = $3, next_attempt_at = $4, completed_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
          WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [d.id, d.attempt, status, next],
      );
      if (a.outcome === 'gone') {
        await em.query(
          `UPDATE webhook_subscriptions SET disabled_at = now(), disabled_reason = $2
            WHERE id = $1 AND disabled_at IS NULL`,
          [d.subscriptionId, `receiver answered 410 Gone to delivery ${d.id}`],
        );
        await em.query(
          `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, completed_at = now()
            WHERE subscription_id = $1 AND status = 'pending'`,
          [d.subscriptionId],
        );
      }
    });
  }
}
