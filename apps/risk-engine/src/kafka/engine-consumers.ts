import { Inject, Injectable } from '@nestjs/common';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { APP_CONFIG, KAFKA, groupIds, type AppConfig } from '@risk/platform';

/**
 * The engine's Kafka clients. Positions are read in the shared group (partitioned by
 * portfolioId, so instances split the portfolios); ticks and news are read in full by every
 * instance (a global table) and each instance evaluates only the portfolios it owns.
 * Connected and run by RiskEngineLifecycle; every offset is committed by hand, after its effect.
 */
@Injectable()
export class EngineConsumers {
  readonly groups: ReturnType<typeof groupIds>;
  readonly positions: Consumer;
  readonly ticks: Consumer;
  readonly news: Consumer;
  /** Both reference topics, read in full by every instance (the knowledge graph). */
  readonly reference: Consumer;
  readonly admin: Admin;

  constructor(@Inject(APP_CONFIG) cfg: AppConfig, @Inject(KAFKA) kafka: Kafka) {
    this.groups = groupIds(cfg);
    this.positions = kafka.consumer({ groupId: this.groups.positions, maxWaitTimeInMs: 100 });
    this.ticks = kafka.consumer({
      groupId: this.groups.ticks,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 << 20,
    });
    this.news = kafka.consumer({ groupId: this.groups.news, maxWaitTimeInMs: 50 });
    this.reference = kafka.consumer({ groupId: this.groups.reference, maxWaitTimeInMs: 100 });
    this.admin = kafka.admin();
  }
}
