import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicNames } from '@risk/contracts';
import {
  APP_CONFIG,
  DeadLetterSink,
  KAFKA,
  TOPICS,
  outputCompression,
  type AppConfig,
} from '@risk/platform';

/**
 * The engine's dead-letter topic (`risk.dlq`). Ingest dead-letters what breaks the contract; the
 * engine only needs it for the rare message PostgreSQL refuses, so its producer connects on
 * first use.
 */
@Injectable()
export class DeadLetters {
  private readonly sink: DeadLetterSink;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(TOPICS) topics: TopicNames,
    @Inject(APP_CONFIG) cfg: AppConfig,
  ) {
    this.sink = new DeadLetterSink(
      kafka,
      topics.dlq,
      outputCompression(cfg.kafkaOutputCompression),
    );
  }

  /** Sends serialized letters, acknowledged by every in-sync replica, in order. */
  send(letters: { key: string; value: string }[]): Promise<void> {
    return this.sink.send(letters);
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}
