import type { Kafka, Producer } from 'kafkajs';
import { DEAD_LETTER_MAX_BYTES, splitBySize } from '@risk/contracts';

/**
 * Sends serialized dead letters in order, in as many produce requests as keep each record batch
 * under the broker's `message.max.bytes` (each letter is already fitted by `buildDeadLetter`).
 */
export async function sendDeadLetters(
  producer: Producer,
  topic: string,
  messages: { key: string; value: string }[],
  maxBatchBytes = DEAD_LETTER_MAX_BYTES,
): Promise<void> {
  for (const group of splitBySize(messages, maxBatchBytes))
    await producer.send({ topic, acks: -1, messages: group });
}

/** A dead-letter producer connected on first use, for processes that rarely need one. */
export class DeadLetterSink {
  private producer?: Promise<Producer>;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async send(messages: { key: string; value: string }[]): Promise<void> {
    this.producer ??= (async () => {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    })().catch((e: unknown) => {
      this.producer = undefined;
      throw e;
    });
    await sendDeadLetters(await this.producer, this.topic, messages);
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await (await p.catch(() => undefined))?.disconnect();
  }
}
