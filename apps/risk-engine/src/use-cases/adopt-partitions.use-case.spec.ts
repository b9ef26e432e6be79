import { PositionsProgress, type PortfolioState } from '@risk/engine';
import type { StoredPortfolioState } from '@risk/persistence';
import { partitionForKey } from '@risk/platform';
import type { ReasoningContexts } from '../ports/reasoning-contexts';
import type { PortfolioStateRepository } from '../repositories/portfolio-state.repository';
import { EngineLock } from '../state/engine-lock';
import { PartitionOwnership } from '../state/partition-ownership';
import type { PositionsWatermark } from '../state/positions-watermark';
import { TOPICS, layout, newCore, portfolio } from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import { AdoptPartitionsUseCase } from './adopt-partitions.use-case';

const PARTITIONS = 3;
const OWNED = 1;
const OTHER = 2;
const murmur = (pid: string) => partitionForKey(TOPICS.positions, pid, PARTITIONS);
const ids = Array.from({ length: 60 }, (_, i) => `pf-${i}`);
/** Portfolios the Java-default partitioner puts on OTHER, and ones it puts on OWNED. */
const onOther = ids.filter((pid) => murmur(pid) === OTHER);
const onOwned = ids.filter((pid) => murmur(pid) === OWNED);

const arrivedOn = (pid: string, partition: number | null): PortfolioState => {
  const s = portfolio(pid, [{ symbol: 'AAPL', quantity: 10, price: 100 }]);
  return { ...s, snapshot: { ...s.snapshot, sourcePartition: partition } };
};
const stored = (s: PortfolioState): StoredPortfolioState => ({
  id: s.id,
  baseCurrency: 'USD',
  snapshot: s.snapshot,
  peakNav: null,
  lastLevel: null,
  breachedLimits: [],
});

function setup(states: StoredPortfolioState[]) {
  const core = newCore();
  const contexts = { forgotten: [] as string[], rebuilt: [] as string[] };
  const ownership = new PartitionOwnership(TOPICS, layout(PARTITIONS), core);
  const useCase = new AdoptPartitionsUseCase(
    core,
    new EngineLock(),
    ownership,
    strictMock<PositionsWatermark>('watermark', {
      committedPositions: async () => ({ [OWNED]: '0' }),
    }),
    new PositionsProgress(),
    strictMock<PortfolioStateRepository>('portfolios', { loadAll: async () => states }),
    strictMock<ReasoningContexts>('contexts', {
      forget: (ids) => void contexts.forgotten.push(...ids),
      rebuild: async (ids) => void contexts.rebuilt.push(...ids),
    }),
  );
  return { core, ownership, useCase, contexts };
}

describe('AdoptPartitionsUseCase', () => {
  it('restores the portfolios whose snapshot arrived on an owned partition, whatever their key hashes to', async () => {
    const [crcOwned, legacyOwned] = [onOther[0], onOwned[0]];
    const crcElsewhere = onOwned[1];
    const { core, useCase, contexts } = setup([
      stored(arrivedOn(crcOwned, OWNED)), // murmur2 says OTHER; it arrived on OWNED
      stored(arrivedOn(crcElsewhere, OTHER)), // murmur2 says OWNED; it arrived on OTHER
      stored(arrivedOn(legacyOwned, null)), // stored before arrivals were kept: murmur2
    ]);

    await expect(useCase.execute([OWNED])).resolves.toEqual(new Set([OWNED]));
    expect([...core.portfolios.keys()].sort()).toEqual([crcOwned, legacyOwned].sort());
    // The restored portfolios get their reasoning logs back from PostgreSQL.
    expect(contexts.rebuilt.sort()).toEqual([crcOwned, legacyOwned].sort());
  });

  it('drops held portfolios whose snapshot arrived on a partition no longer owned', async () => {
    const [kept, dropped] = [onOther[0], onOwned[0]];
    const { core, ownership, useCase, contexts } = setup([]);
    ownership.ownedPartitions = new Set([OWNED, OTHER]);
    core.install(arrivedOn(kept, OWNED));
    core.install(arrivedOn(dropped, OTHER));

    await expect(useCase.execute([OWNED])).resolves.toEqual(new Set());
    expect([...core.portfolios.keys()]).toEqual([kept]);
    // The portfolio that left drops its reasoning context (log and K/V) with it.
    expect(contexts.forgotten).toEqual([dropped]);
  });
});
