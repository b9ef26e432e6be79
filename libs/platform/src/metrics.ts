import type { Consumer } from 'kafkajs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRICS = Symbol('METRICS');

/** Every Prometheus metric of the service, on one registry. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly messages = new Counter({
    name: 'risk_input_messages_total',
    help: 'Input messages by topic kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'risk_dead_letters_total',
    help: 'Messages sent to the dead-letter topic, by reason',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  });
  readonly staleTicks = new Counter({
    name: 'risk_stale_ticks_total',
    help: 'Ticks older than (or as old as) the last applied tick of their symbol',
    registers: [this.registry],
  });
  readonly evaluations = new Counter({
    name: 'risk_evaluations_total',
    help: 'Evaluations committed, by trigger and level',
    labelNames: ['trigger', 'level'] as const,
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'risk_alerts_total',
    help: 'Alerts raised, by level',
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  readonly stageSeconds = new Histogram({
    name: 'risk_stage_duration_seconds',
    help: 'Latency per pipeline stage',
    labelNames: ['stage'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly reasoningRuns = new Counter({
    name: 'risk_reasoning_runs_total',
    help: 'Language model runs by gate (news, moves, levels) and outcome (judged, failed, superseded)',
    labelNames: ['gate', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({
    name: 'risk_outbox_pending',
    help: 'Outbox messages not yet published',
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'risk_consumer_lag',
    help: 'Messages behind the high watermark, per consumer group, topic and partition',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'risk_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retry, failed, gone)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliverySeconds = new Histogram({
    name: 'risk_webhook_delivery_seconds',
    help: 'Alert committed to webhook acknowledged (2xx), across retries',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400],
    registers: [this.registry],
  });
  readonly httpRejected = new Counter({
    name: 'risk_http_rejected_total',
    help: 'HTTP requests refused by access control, by reason (unauthenticated, auth_rate_limited, forbidden, rate_limited)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly retentionDeleted = new Counter({
    name: 'risk_retention_deleted_rows_total',
    help: 'Rows deleted by the retention job, by table',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly retentionRuns = new Counter({
    name: 'risk_retention_runs_total',
    help: 'Retention job runs, by outcome (done, skipped: another instance held the lock, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly streamClients = new Gauge({
    name: 'risk_stream_clients',
    help: 'Open Server-Sent Events connections',
    registers: [this.registry],
  });

  constructor(withDefaults = true) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry });
  }
}

/** Reports a consumer's lag per partition into `risk_consumer_lag` after every batch. */
export function trackConsumerLag(
  consumer: { on: Consumer['on']; events: Consumer['events'] },
  metrics: ServiceMetrics,
  group: string,
): void {
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    metrics.consumerLag.set(
      { group, topic: e.payload.topic, partition: String(e.payload.partition) },
      Number(e.payload.offsetLag),
    );
  });
}
