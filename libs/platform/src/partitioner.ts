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
