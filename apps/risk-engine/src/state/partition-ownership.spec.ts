import { partitionForKey } from '@risk/platform';
import { TOPICS, layout, newCore, portfolio } from '../testing/engine-fixtures';
import { PartitionOwnership } from './partition-ownership';

const PARTITIONS = 4;
const murmur = (pid: string) => partitionForKey(TOPICS.positions, pid, PARTITIONS);
/** Another partition than murmur2's: where librdkafka's CRC32 (or an explicit choice) put it. */
const elsewhere = (pid: string) => (murmur(pid) + 1) % PARTITIONS;

function setup(owned: number[]) {
  const core = newCore();
  const ownership = new PartitionOwnership(TOPICS, layout(PARTITIONS), core);
  ownership.ownedPartitions = new Set(owned);
  return { core, ownership };
}

describe('PartitionOwnership', () => {
  it("owns a portfolio by the partition its held snapshot arrived on, not its key's hash", () => {
    const { core, ownership } = setup([elsewhere('pf-1')]);
    const state = portfolio('pf-1', [{ symbol: 'AAPL', quantity: 1 }]);
    core.install({ ...state, snapshot: { ...state.snapshot, sourcePartition: elsewhere('pf-1') } });

    expect(ownership.partitionOf('pf-1')).toBe(elsewhere('pf-1'));
    expect(ownership.owns('pf-1')).toBe(true);
  });

  it('decides a portfolio not held yet by the arrival partition it is given', () => {
    const { ownership } = setup([elsewhere('pf-2')]);
    expect(ownership.owns('pf-2', elsewhere('pf-2'))).toBe(true);
    expect(ownership.owns('pf-2', murmur('pf-2'))).toBe(false);
  });

  it('falls back to murmur2 of the key for a snapshot stored before arrivals were kept', () => {
    const { core, ownership } = setup([murmur('pf-3')]);
    core.install(portfolio('pf-3', [{ symbol: 'AAPL', quantity: 1 }]));
    expect(ownership.partitionOf('pf-3')).toBe(murmur('pf-3'));
    expect(ownership.owns('pf-3', null)).toBe(true);
    // A partition the topic does not have (it shrank, or bad data): the key decides.
    expect(ownership.partitionOf('pf-3', PARTITIONS + 3)).toBe(murmur('pf-3'));
  });
});
