import { crc32 } from 'node:zlib';
import { owningPartition, partitionForKey } from './partitioner';

describe('owningPartition', () => {
  const topic = 'portfolio.positions';

  it('is the partition the latest snapshot arrived on, whatever partitioner put it there', () => {
    // librdkafka's default (consistent_random) is CRC32 of the key; Java's and kafkajs' murmur2.
    const ids = Array.from({ length: 50 }, (_, i) => `pf-${i}`);
    // Most keys land elsewhere under CRC32: ownership by key hash would disagree with arrival.
    const differ = ids.filter((id) => crc32(id) % 6 !== partitionForKey(topic, id, 6));
    expect(differ.length).toBeGreaterThan(25);
    for (const id of ids)
      for (let p = 0; p < 6; p++) expect(owningPartition(topic, id, p, 6)).toBe(p);
  });

  it('falls back to the murmur2 partition of the key for snapshots stored before', () => {
    for (const arrivedOn of [null, undefined, 7, -1])
      expect(owningPartition(topic, 'pf-alpha', arrivedOn, 6)).toBe(
        partitionForKey(topic, 'pf-alpha', 6),
      );
  });
});
