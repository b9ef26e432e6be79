import { Partitioners } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition Kafka's default partitioner (murmur2 of the key, as the Java client and kafkajs
 * use) gives `key` among `count` partitions. The outbox fixes it at write time.
 */
export function partitionForKey(topic: string, key: string, count: number): number {
  const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));
  return partitioner({
    topic,
    partitionMetadata,
    message: { key, value: null },
  });
}

/**
 * The positions partition that owns a portfolio: the one its latest snapshot arrived on, so
 * ownership follows where the producer's partitioner (murmur2, librdkafka's CRC32, a chosen
 * partition) put it; for a snapshot stored before arrival partitions were recorded, the
 * Java-default partition of its key.
 */
export function owningPartition(
  topic: string,
  portfolioId: string,
  arrivedOn: number | null | undefined,
  count: number,
): number {
  if (arrivedOn !== null && arrivedOn !== undefined && arrivedOn >= 0 && arrivedOn < count)
    return arrivedOn;
  return partitionForKey(topic, portfolioId, count);
}
