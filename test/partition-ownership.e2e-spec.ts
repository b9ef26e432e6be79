import type { INestApplicationContext } from '@nestjs/common';
import { crc32 } from 'node:zlib';
import { EngineCore } from '@risk/engine';
import { partitionForKey } from '@risk/platform';
import { PartitionOwnership } from '../apps/risk-engine/src/state/partition-ownership';
import { startRiskEngine } from '../apps/risk-engine/src/start-risk-engine';
import { waitFor } from './support/harness';
import { kcatProduce } from './support/kcat';
import { useTestEnvironment } from './support/running-service';

/** What the test reads inside an engine: its owned partitions and the portfolios it holds. */
interface EngineInternals {
  ownedPartitions: Set<number>;
  core: { portfolios: Map<string, unknown> };
}
const internals = (app: INestApplicationContext): EngineInternals => ({
  ownedPartitions: app.get(PartitionOwnership).ownedPartitions,
  core: app.get(EngineCore),
});

const PARTITIONS = 3;

/**
 * Snapshots from librdkafka (kcat: consistent_random, CRC32 of the key) land on other partitions
 * than the Java/kafkajs murmur2 of the key. After a rebalance each portfolio must be held by
 * exactly the instance that owns the partition its snapshot arrived on.
 */
describe('portfolio ownership whatever the producer partitioner (two engine instances)', () => {
  const env = useTestEnvironment('partition-owner', {
    env: { REASONING_ENABLED: 'false' },
    partitions: PARTITIONS,
  });
  const murmur = (pid: string) => partitionForKey(env.topics.positions, pid, PARTITIONS);
  const arrival = (pid: string) => crc32(pid) % PARTITIONS;
  it('follows the arrival partition across a rebalance', async () => {
    // Portfolios that CRC32 and murmur2 put on different partitions.
    const portfolios = Array.from({ length: 40 }, (_, i) => `pf-crc-${i}`)
      .filter((pid) => arrival(pid) !== murmur(pid))
      .slice(0, 12);
    expect(portfolios.length).toBe(12);
    await kcatProduce(
      env.topics.positions,
      portfolios.map((pid) => ({
        key: pid,
        value: JSON.stringify({
          id: `snap-${pid}`,
          portfolioId: pid,
          ts: new Date().toISOString(),
          baseCurrency: 'USD',
          cash: 1000,
          positions: [{ symbol: 'HELD', quantity: 10, price: 5 }],
        }),
      })),
    );
    const a = env.own(await startRiskEngine(env.config({ INSTANCE_ID: 'engine-a' })));
    await waitFor(
      () => portfolios.every((pid) => internals(a).core.portfolios.has(pid)),
      60_000,
      'engine A applying every snapshot',
    );
    const b = env.own(await startRiskEngine(env.config({ INSTANCE_ID: 'engine-b' })));
    // Settled: the partitions split, and each portfolio held by one instance, its arrival owner.
    const holders = () =>
      portfolios.map((pid) =>
        [a, b].filter((app) => internals(app).core.portfolios.has(pid)).map(internals),
      );
    const settled = await waitFor(
      () => {
        const pa = internals(a).ownedPartitions;
        const pb = internals(b).ownedPartitions;
        if (pa.size === 0 || pb.size === 0 || new Set([...pa, ...pb]).size !== PARTITIONS)
          return false;
        const h = holders();
        return (
          h.every(
            (list, i) => list.length === 1 && list[0].ownedPartitions.has(arrival(portfolios[i])),
          ) && h
        );
      },
      60_000,
      'each portfolio held only by the owner of its arrival partition',
    );
    expect(settled).toHaveLength(portfolios.length);
  });
});
