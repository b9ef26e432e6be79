import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { PlatformModule } from '@risk/platform';

import { OUTBOX_ID_HEADER, OutboxRelayService } from '../apps/risk-engine/src/outbox-relay.service';
import { produce, query, waitFor } from './support/harness';
import { useTestEnvironment } from './support/running-service';

/**
 * A relay that died after Kafka acknowledged a batch but before it marked the rows published:
 * the next relay must not publish those rows again.
 */
describe('outbox relay recovery', () => {
  const env = useTestEnvironment('outbox', { partitions: 2, read: ['evaluations'] });
  const cfg = env.config();

  it('publishes each outbox row exactly once across a crash between send and mark', async () => {
    const { topics } = env;
    const reader = env.readers.evaluations!;
    // Open (and migrate) the database without starting a relay.
    const boot = env.own(
      await Test.createTestingModule({ imports: [PlatformModule.forRoot(cfg)] }).compile(),
    );
    const ds = boot.get(DataSource);
    const rows = Array.from({ length: 10 }, (_, i) => ({
      partition: i % 2,
      key: `pf-${i % 2}`,
      payload: JSON.stringify({ n: i }),
    }));
    for (const r of rows) {
      await ds.query(
        'INSERT INTO outbox (topic, partition, message_key, payload) VALUES ($1, $2, $3, $4)',
        [topics.evaluations, r.partition, r.key, r.payload],
      );
    }
    const ids = await ds.query<
      { id: string; partition: number; message_key: string; payload: string }[]
    >('SELECT id::text AS id, partition, message_key, payload FROM outbox ORDER BY outbox.id');
    // The "crashed" relay: sent the first 6 rows (3 per partition, in id order) and died.
    await produce(
      env.kafka,
      topics.evaluations,
      ids.slice(0, 6).map((r) => ({
        key: r.message_key,
        value: r.payload,
        partition: r.partition,
        headers: { [OUTBOX_ID_HEADER]: r.id },
      })),
    );
    await env.close(boot);

    const mod = env.own(
      await Test.createTestingModule({
        imports: [PlatformModule.forRoot(cfg)],
        providers: [OutboxRelayService],
      }).compile(),
    );
    await mod.init();
    await waitFor(
      async () =>
        (
          await query<{ n: string }>(
            cfg.databaseUrl,
            'SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL',
          )
        )[0].n === '0' || undefined,
    );
    await reader.waitForCount(10);
    await new Promise((r) => setTimeout(r, 1000));
    const payloads = reader
      .values<{ n: number }>()
      .map((v) => v.n)
      .sort((a, b) => a - b);
    expect(payloads).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Per partition, Kafka order follows outbox ids.
    for (const p of [0, 1]) {
      const seq = reader.messages
        .filter((m) => m.partition === p)
        .map((m) => Number(m.headers?.[OUTBOX_ID_HEADER]?.toString()));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
  });
});
