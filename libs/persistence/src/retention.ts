/**
 * Retention policy of the tables that would otherwise grow without bound: `stream_events`,
 * webhook deliveries with their attempts, the `processed_events` idempotency ledger, published
 * `outbox` rows, and `portfolio_snapshots` other than each portfolio's latest.
 * Evaluations and alerts are the system of record: kept forever unless RETENTION_EVALUATIONS_DAYS
 * is set, and then dropped a whole month partition at a time (partitions.ts). Portfolios stay.
 * Pure functions here; the SQL is in retention-job.ts.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How long each table keeps its rows, in ms; 0 keeps them forever. */
export interface RetentionPolicy {
  streamEventsMs: number;
  /** Final webhook deliveries (and their attempts), counted from their completion. */
  webhookMs: number;
  processedEventsMs: number;
  /** Published outbox rows, counted from their publication; unpublished ones are never pruned. */
  outboxMs: number;
  /** Snapshots, counted from their receipt; a portfolio's latest is never pruned. */
  snapshotsMs: number;
  /**
   * Evaluations and alerts, by their `ts`: a month partition goes once its whole month is older
   * than this (so rows live this long plus up to a month).
   */
  evaluationsMs: number;
  /** Rows per DELETE statement. */
  batchSize: number;
}

export const RETENTION_TABLES = [
  'stream_events',
  'webhook_deliveries',
  'webhook_attempts',
  'processed_events',
  'outbox',
  'portfolio_snapshots',
] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

/** The shortest ledger window accepted: below it a redelivery is routine, not an accident. */
export const MIN_PROCESSED_EVENTS_DAYS = 1;

export function retentionPolicyFrom(s: {
  streamEventsHours: number;
  webhookDays: number;
  processedEventsDays: number;
  outboxHours: number;
  snapshotDays: number;
  evaluationsDays?: number;
  batchSize: number;
}): RetentionPolicy {
  return {
    streamEventsMs: s.streamEventsHours * HOUR_MS,
    webhookMs: s.webhookDays * DAY_MS,
    processedEventsMs: s.processedEventsDays * DAY_MS,
    outboxMs: s.outboxHours * HOUR_MS,
    snapshotsMs: s.snapshotDays * DAY_MS,
    evaluationsMs: (s.evaluationsDays ?? 0) * DAY_MS,
    batchSize: s.batchSize,
  };
}

/** Every window is 0: every table is kept forever and the job need not run at all. */
export function keepsEverything(p: RetentionPolicy): boolean {
  return (
    p.streamEventsMs === 0 &&
    p.webhookMs === 0 &&
    p.processedEventsMs === 0 &&
    p.outboxMs === 0 &&
    p.snapshotsMs === 0 &&
    p.evaluationsMs === 0
  );
}

/** 0 (keep forever) or at least one day; anything shorter is refused at boot. */
export function isValidProcessedEventsDays(days: number): boolean {
  return Number.isFinite(days) && (days === 0 || days >= MIN_PROCESSED_EVENTS_DAYS);
}

/** Rows older than the returned instant go; null when the table is kept forever (0). */
export function retentionCutoff(now: Date, keepMs: number): Date | null {
  if (!Number.isFinite(keepMs) || keepMs < 0) throw new RangeError(`bad retention ${keepMs}`);
  if (keepMs === 0) return null;
  return new Date(now.getTime() - keepMs);
}

/**
 * Webhook delivery states that can never change again, so a delivery in one of them may be
 * pruned: `delivered` (2xx), `failed` (schedule exhausted) and `cancelled` (its subscription
 * was deleted or disabled by a 410). `pending` covers both waiting and in-flight (leased)
 * deliveries and is never pruned.
 */
export const FINAL_DELIVERY_STATUSES = ['delivered', 'failed', 'cancelled'] as const;
export type FinalDeliveryStatus = (typeof FINAL_DELIVERY_STATUSES)[number];

export function isFinalDeliveryStatus(status: string): status is FinalDeliveryStatus {
  return (FINAL_DELIVERY_STATUSES as readonly string[]).includes(status);
}

/** `retention.ms` and `segment.ms` of an input topic, as Kafka reports them (-1: unlimited). */
export interface TopicRetention {
  topic: string;
  retentionMs: number;
  segmentMs: number;
}

/**
 * How long after it was appended a message of these topics may still be read, and so
 * redelivered (offsets reset or expired, a consumer group re-created): Kafka deletes whole
 * closed segments once their newest record is older than `retention.ms`, and a segment stays
 * open up to `segment.ms`, so a record can outlive `retention.ms` by up to `segment.ms`.
 * Infinity when a topic keeps its records forever.
 */
export function redeliveryBoundMs(topics: TopicRetention[]): number {
  let bound = 0;
  for (const t of topics) {
    if (t.retentionMs < 0 || !Number.isFinite(t.retentionMs)) return Infinity;
    bound = Math.max(bound, t.retentionMs + Math.max(0, t.segmentMs));
  }
  return bound;
}

/**
 * Whether pruning ledger rows older than `ledgerMs` is safe against the topics' retention:
 * a ledger row must outlive every copy of its message that a consumer could still read.
 */
export function ledgerOutlivesTopics(
  ledgerMs: number,
  topics: TopicRetention[],
): { safe: boolean; boundMs: number } {
  const boundMs = redeliveryBoundMs(topics);
  return { safe: ledgerMs === 0 || ledgerMs >= boundMs, boundMs };
}

/** A stream_events position, `(tx_id, seq)` as text (libs/alerting's StreamPosition). */
export interface StreamHorizon {
  txId: string;
  seq: string;
}

/** Orders two stream positions as the stream does: by transaction id, then sequence. */
export function comparePositions(a: StreamHorizon, b: StreamHorizon): number {
  const ta = BigInt(a.txId);
  const tb = BigInt(b.txId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const sa = BigInt(a.seq);
  const sb = BigInt(b.seq);
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}
