import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { DEAD_LETTER_MAX_BYTES, splitBySize } from '@risk/contracts';

/**
 * Sends serialized dead letters in order, in as many produce requests as keep each record batch
 * under the broker's `message.max.bytes` (each letter is already fitted by `buildDeadLetter`).
 * Compressed (`KAFKA_OUTPUT_COMPRESSION`), a group still fits: gzip's worst case adds about
 * 0.03 % (`gzipBound`), a few hundred bytes of the 48 kB that `DEAD_LETTER_MAX_BYTES` leaves.
 */
export async function sendDeadLetters(
  producer: Producer,
  topic: string,
  messages: { key: string; value: string }[],
  opts: { compression?: CompressionTypes; maxBatchBytes?: number } = {},
): Promise<void> {
  const compression = opts.compression ?? CompressionTypes.None;
  for (const group of splitBySize(messages, opts.maxBatchBytes ?? DEAD_LETTER_MAX_BYTES))
    await producer.send({ topic, acks: -1, compression, messages: group });
}

/** A dead-letter producer connected on first use, for processes that rarely need one. */
export class DeadLetterSink {
  private producer?: Promise<Producer>;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly compression: CompressionTypes = CompressionTypes.None,
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
    await sendDeadLetters(await this.producer, this.topic, messages, {
      compression: this.compression,
    });
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await (await p.catch(() => undefined))?.disconnect();
  }
}
