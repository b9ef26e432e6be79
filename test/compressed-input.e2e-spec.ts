import type { DeadLetter } from '@risk/contracts';

import { kcatProduce, type KcatCodec } from './support/kcat';
import { useRunningService } from './support/running-service';

/**
 * Input from librdkafka (kcat) in every codec Kafka knows: the engine's consumers evaluate the
 * snapshots and ingest dead-letters the bad message, so neither consumer stops on a codec.
 */
describe('compressed input from a non-kafkajs producer', () => {
  const svc = useRunningService('compressed', { listen: false, read: ['evaluations', 'dlq'] });
  const codecs: KcatCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];

  // Twenty positions of repetitive JSON: compressible, so librdkafka keeps the compressed form.
  const snapshot = (codec: string) =>
    JSON.stringify({
      id: `snap-${codec}`,
      portfolioId: `pf-${codec}`,
      ts: '2026-11-30T09:00:00.000Z',
      baseCurrency: 'USD',
      cash: 100000,
      positions: Array.from({ length: 20 }, (_, i) => ({
        symbol: `SYM${i}`,
        quantity: 100,
        price: 10,
      })),
    });

  it.each(codecs)('reads %s batches in the engine and in ingest', async (codec) => {
    await kcatProduce(
      svc.topics.positions,
      [
        { key: `pf-${codec}`, value: snapshot(codec) },
        // Bad input in the same compressed batch: ingest must read it to dead-letter it.
        { key: `pf-${codec}`, value: `{"id":"bad-${codec}","padding":"${'x'.repeat(300)}"}` },
      ],
      { codec },
    );
    const [ev] = await svc.readers.evaluations!.waitForCount(
      1,
      60_000,
      (e) => e.portfolioId === `pf-${codec}`,
    );
    // nav = 100,000 + 20 × 100 × 10 = 120,000
    expect((ev.metrics as Record<string, number>).nav).toBeCloseTo(120000, 6);
    const [letter] = (await svc.readers.dlq!.waitForCount(
      1,
      60_000,
      (l) => typeof l.value === 'string' && l.value.includes(`bad-${codec}`),
    )) as unknown as DeadLetter[];
    expect(letter.errorCode).toBe('SCHEMA');
  });
});
