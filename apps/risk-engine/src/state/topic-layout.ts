import type { Provider } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicNames } from '@risk/contracts';
import type { OutputTopics } from '@risk/engine';
import { KAFKA, TOPICS, partitionForKey } from '@risk/platform';

/** Partition counts the engine reads at boot: positions (ownership) and its output topics. */
export class TopicLayout {
  constructor(
    readonly positionsPartitions: number,
    readonly out: OutputTopics,
  ) {}
}

async function resolvePartitionCounts(kafka: Kafka, topics: TopicNames): Promise<TopicLayout> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({
      topics: [topics.positions, topics.evaluations, topics.alerts],
    });
    const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    return new TopicLayout(counts.get(topics.positions) ?? 1, {
      evaluations: topics.evaluations,
      alerts: topics.alerts,
      partitionFor: (topic, key) => partitionForKey(topic, key, counts.get(topic) ?? 1),
    });
  } finally {
    await admin.disconnect();
  }
}

export const topicLayoutProvider: Provider = {
  provide: TopicLayout,
  useFactory: resolvePartitionCounts,
  inject: [KAFKA, TOPICS],
};
