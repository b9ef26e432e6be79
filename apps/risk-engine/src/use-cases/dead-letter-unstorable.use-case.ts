import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KafkaMessage } from 'kafkajs';
import { DecodeErrorCode, buildDeadLetter } from '@risk/contracts';
import { isBadDataError, sqlState } from '@risk/persistence';
import { CLOCK, METRICS, type Clock, type ServiceMetrics } from '@risk/platform';
import { DeadLetters } from '../ports/dead-letters';

/** Where the message being worked on came from. */
export interface MessageOrigin {
  kind: 'news' | 'positions';
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/**
 * Runs the work of one message; when PostgreSQL refuses its data (SQLSTATE class 22) the message
 * is dead-lettered (`UNSTORABLE`) and counted instead of retried: a retry would fail the same way
 * for ever and stall its partition. Any other error is thrown (and the message redelivered).
 */
@Injectable()
export class DeadLetterUnstorableUseCase {
  private readonly log = new Logger(DeadLetterUnstorableUseCase.name);

  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly deadLetters: DeadLetters,
  ) {}

  /** The work's result, or undefined once the message is dead-lettered (its offset may commit). */
  async execute<T>(work: () => Promise<T>, at: MessageOrigin): Promise<T | undefined> {
    try {
      return await work();
    } catch (e) {
      if (!isBadDataError(e)) throw e;
      const { kind, topic, partition, message } = at;
      const letter = buildDeadLetter({
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        error: {
          code: DecodeErrorCode.Unstorable,
          message: `PostgreSQL refused the message's data (SQLSTATE ${sqlState(e)}): ${(e as Error).message}`,
        },
        now: this.clock.now(),
      });
      await this.deadLetters.send([
        { key: `${topic}:${partition}`, value: JSON.stringify(letter) },
      ]);
      this.metrics.deadLetters.inc({ kind, code: DecodeErrorCode.Unstorable });
      this.metrics.messages.inc({ kind, outcome: 'dead_letter' });
      this.log.warn(
        { topic, offset: message.offset, err: e },
        'dead letter: refused by PostgreSQL',
      );
      return undefined;
    }
  }
}
