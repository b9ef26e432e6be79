import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { TopicNames } from '@risk/contracts';
import {
  RETENTION_TABLES,
  RetentionJob,
  keepsEverything,
  ledgerOutlivesTopics,
  retentionPolicyFrom,
  type RetentionPolicy,
  type RetentionRunResult,
  type TopicRetention,
} from '@risk/persistence';
import { APP_CONFIG, type AppConfig } from './app-config';
import { KAFKA, TOPICS } from './kafka';
import { METRICS, type ServiceMetrics } from './metrics';

/** DataSources that already have a scheduled job: one per process even if two modules list it. */
const SCHEDULED = new WeakSet<DataSource>();

const FIRST_RUN_MAX_DELAY_MS = 30_000;
const TOPIC_CHECK_TIMEOUT_MS = 15_000;

const days = (ms: number) => {
  const n = +(ms / 86_400_000).toFixed(2);
  return `${n} ${n === 1 ? 'day' : 'days'}`;
};

/**
 * Runs the retention job (libs/persistence's RetentionJob) every RETENTION_INTERVAL_SECONDS.
 * Provided by the api app; the all-in-one process gets it once. Every instance schedules it;
 * the job's advisory lock lets one run at a time act, the others skip that round.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('Retention');
  private readonly job: RetentionJob;
  private readonly policy: RetentionPolicy;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopping = false;
  private scheduled = false;

  constructor(
    @Inject(DataSource) private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(TOPICS) private readonly topics: TopicNames,
  ) {
    this.policy = retentionPolicyFrom({
      streamEventsHours: cfg.retentionStreamEventsHours,
      webhookDays: cfg.retentionWebhookDays,
      processedEventsDays: cfg.retentionProcessedEventsDays,
      outboxHours: cfg.retentionOutboxHours,
      snapshotDays: cfg.retentionSnapshotDays,
      evaluationsDays: cfg.retentionEvaluationsDays,
      batchSize: cfg.retentionBatch,
    });
    this.job = new RetentionJob(ds, {
      onBatch: (table, n) => this.metrics.retentionDeleted.inc({ table }, n),
      shouldStop: () => this.stopping,
      pauseMs: 20,
    });
    for (const table of RETENTION_TABLES) this.metrics.retentionDeleted.inc({ table }, 0);
  }

  onApplicationBootstrap(): void {
    if (SCHEDULED.has(this.ds)) return;
    // Scheduled even when every table is kept: the job also creates month partitions ahead.
    if (keepsEverything(this.policy))
      this.log.log('retention is off: every table is kept forever; partitions are created ahead');
    SCHEDULED.add(this.ds);
    this.scheduled = true;
    const intervalMs = this.cfg.retentionIntervalSeconds * 1000;
    this.schedule(Math.min(FIRST_RUN_MAX_DELAY_MS, intervalMs));
  }

  /** Stops between two batches and waits for the run, before the DataSource closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.scheduled) SCHEDULED.delete(this.ds);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch(() => undefined)
        .finally(() => {
          this.running = undefined;
          if (!this.stopping) this.schedule(this.cfg.retentionIntervalSeconds * 1000);
        });
    }, ms);
  }

  /** One run now; null when another instance holds the lock. */
  async runOnce(now: Date = new Date()): Promise<RetentionRunResult | null> {
    const started = performance.now();
    try {
      const { policy, note } = await this.checkLedgerWindow(this.policy);
      const result = await this.job.runOnce(policy, now);
      if (!result) {
        this.metrics.retentionRuns.inc({ outcome: 'skipped' });
        this.log.debug('retention: another instance is running it');
        return null;
      }
      if (note) result.notes.unshift(note);
      this.metrics.retentionRuns.inc({ outcome: 'done' });
      const d = result.deleted;
      const line =
        `retention: deleted ${d.stream_events} stream_events, ${d.webhook_deliveries} webhook_deliveries, ` +
        `${d.webhook_attempts} webhook_attempts, ${d.processed_events} processed_events, ` +
        `${d.outbox} outbox, ${d.portfolio_snapshots} portfolio_snapshots, ` +
        `${result.partitions.dropped.length} partitions (${result.partitions.dropped.join(', ') || 'none'}); ` +
        `created partitions ${result.partitions.created.join(', ') || 'none'} ` +
        `in ${Math.round(performance.now() - started)} ms` +
        (result.stopped ? ' (stopped for shutdown)' : '') +
        (result.notes.length ? `; ${result.notes.join('; ')}` : '');
      const horizon = result.streamHorizon
        ? `${result.streamHorizon.txId}-${result.streamHorizon.seq}`
        : null;
      const fields = {
        retention: {
          deleted: d,
          streamHorizon: horizon,
          notes: result.notes,
          partitions: result.partitions,
          failures: result.failures,
        },
      };
      if (result.failures.length > 0)
        this.log.warn(fields, `${line}; failed, retried next run: ${result.failures.join('; ')}`);
      else this.log.log(fields, line);
      return result;
    } catch (e) {
      this.metrics.retentionRuns.inc({ outcome: 'failed' });
      this.log.error({ err: e }, 'retention run failed; retrying at the next interval');
      throw e;
    }
  }

  /**
   * A ledger row must outlive every copy of its message a consumer could still read. When the
   * input topics keep messages longer than RETENTION_PROCESSED_EVENTS_DAYS, the ledger is not
   * pruned this run (and a warning says why). When their retention cannot be read, the setting
   * is trusted.
   */
  private async checkLedgerWindow(
    policy: RetentionPolicy,
  ): Promise<{ policy: RetentionPolicy; note?: string }> {
    if (policy.processedEventsMs === 0) return { policy };
    let topics: TopicRetention[];
    try {
      topics = await this.inputTopicRetention();
    } catch (e) {
      const note = `processed_events: input topics' retention unknown (${(e as Error).message}); pruning after ${days(policy.processedEventsMs)} as configured`;
      this.log.warn(note);
      return { policy, note };
    }
    const { safe, boundMs } = ledgerOutlivesTopics(policy.processedEventsMs, topics);
    if (safe) return { policy };
    const note =
      `processed_events kept: RETENTION_PROCESSED_EVENTS_DAYS (${days(policy.processedEventsMs)}) is shorter than ` +
      `${Number.isFinite(boundMs) ? days(boundMs) : 'forever'}, how long ${topics.map((t) => t.topic).join(' and ')} ` +
      `may still hold a message (retention.ms + segment.ms): raise it or shorten the topics' retention`;
    this.log.warn(note);
    return { policy: { ...policy, processedEventsMs: 0 }, note };
  }

  /**
   * retention.ms and segment.ms of the topics whose redelivery only the ledger stops: positions
   * snapshots (a replayed old snapshot would replace the current one) and news. Ticks are
   * idempotent by time (a re-read tick is stale), so their topic does not bound the ledger.
   */
  private async inputTopicRetention(): Promise<TopicRetention[]> {
    const admin = this.kafka.admin();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('Kafka did not answer in time')),
        TOPIC_CHECK_TIMEOUT_MS,
      );
    });
    const names = [this.topics.positions, this.topics.news];
    const read = (async () => {
      await admin.connect();
      const res = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['retention.ms', 'segment.ms'],
        })),
      });
      return res.resources.map((r): TopicRetention => {
        if (r.errorCode !== 0)
          throw new Error(`${r.resourceName}: ${r.errorMessage ?? r.errorCode}`);
        const value = (name: string) => {
          const v = Number(r.configEntries.find((c) => c.configName === name)?.configValue);
          if (!Number.isFinite(v)) throw new Error(`${r.resourceName}: no ${name}`);
          return v;
        };
        return {
          topic: r.resourceName,
          retentionMs: value('retention.ms'),
          segmentMs: value('segment.ms'),
        };
      });
    })();
    try {
      return await Promise.race([read, timeout]);
    } finally {
      clearTimeout(timer);
      read.catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }
}
