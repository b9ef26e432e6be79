import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { TopicNames } from '@risk/contracts';
import {
  APP_CONFIG,
  METRICS,
  TOPICS,
  trackConsumerLag,
  type AppConfig,
  type ServiceMetrics,
} from '@risk/platform';
import { NewsHandler } from './handlers/news.handler';
import { PositionsHandler } from './handlers/positions.handler';
import { ReferenceHandler } from './handlers/reference.handler';
import { TicksHandler } from './handlers/ticks.handler';
import { EngineConsumers } from './kafka/engine-consumers';
import { DeadLetters } from './ports/dead-letters';
import { ReferenceRepository } from './repositories/reference.repository';
import { ReferenceGraph } from './state/reference-graph';
import { StopSignal } from './state/stop-signal';

/**
 * Starts and stops the engine's consumers in order. Every effect commits to PostgreSQL before
 * its offset is committed to Kafka; at shutdown fetching stops first, then in-flight work
 * finishes and a last flush saves what ticks left dirty.
 */
@Injectable()
export class RiskEngineLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(RiskEngineLifecycle.name);
  private flushTimer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(TOPICS) private readonly topics: TopicNames,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly consumers: EngineConsumers,
    private readonly stop: StopSignal,
    private readonly positions: PositionsHandler,
    private readonly ticks: TicksHandler,
    private readonly news: NewsHandler,
    private readonly deadLetters: DeadLetters,
    private readonly reference: ReferenceHandler,
    private readonly referenceRepo: ReferenceRepository,
    private readonly referenceGraph: ReferenceGraph,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.consumers;
    // The graph first (what ingest stored), so news arriving at once already reaches through it.
    this.referenceGraph.apply(await this.referenceRepo.loadAll());
    await c.admin.connect();
    c.positions.on(c.positions.events.GROUP_JOIN, (e) =>
      this.positions.onAssignment(e.payload.memberAssignment[this.topics.positions] ?? []),
    );
    await c.positions.connect();
    await c.positions.subscribe({ topic: this.topics.positions, fromBeginning: true });
    await c.ticks.connect();
    await c.ticks.subscribe({ topic: this.topics.ticks, fromBeginning: true });
    c.news.on(c.news.events.GROUP_JOIN, () => this.news.onAssignment());
    await c.news.connect();
    await c.news.subscribe({ topic: this.topics.news, fromBeginning: true });
    await c.reference.connect();
    await c.reference.subscribe({
      topics: [this.topics.instruments, this.topics.relations],
      fromBeginning: true,
    });

    trackConsumerLag(c.positions, this.metrics, c.groups.positions);
    trackConsumerLag(c.ticks, this.metrics, c.groups.ticks);
    trackConsumerLag(c.news, this.metrics, c.groups.news);
    await c.positions.run({ autoCommit: false, eachMessage: (p) => this.positions.handle(p) });
    await c.ticks.run({ autoCommit: false, eachBatch: (p) => this.ticks.handle(p) });
    await c.news.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.cfg.newsPartitionsConcurrently,
      eachBatch: (p) => this.news.handleBatch(p),
    });
    await c.reference.run({ autoCommit: false, eachBatch: (p) => this.reference.handle(p) });
    this.flushTimer = setInterval(
      () => this.ticks.requestFlush(),
      Math.max(this.cfg.coalesceMs, 10),
    );
    this.log.log(
      `risk engine ${this.cfg.instanceId} consuming ${this.topics.positions}, ${this.topics.ticks}, ${this.topics.news}`,
    );
  }

  // Before the shutdown phase, where the reasoning session and the relay's producer close.
  async beforeApplicationShutdown(): Promise<void> {
    const c = this.consumers;
    this.stop.stop();
    if (this.flushTimer) clearInterval(this.flushTimer);
    // News runs apart from its batches: the stories under way finish (and commit their offsets)
    // or give up, while the consumer still runs.
    await this.news.drain();
    // Stop fetching first, then let in-flight work finish and flush what ticks left dirty.
    await Promise.allSettled([
      c.ticks.stop(),
      c.news.stop(),
      c.positions.stop(),
      c.reference.stop(),
    ]);
    await this.ticks.flushNow().catch((e) => this.log.error(e));
    await Promise.allSettled([
      c.ticks.disconnect(),
      c.news.disconnect(),
      c.positions.disconnect(),
      c.reference.disconnect(),
      c.admin.disconnect(),
      this.deadLetters.close(),
    ]);
  }
}
