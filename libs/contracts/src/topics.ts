/** Kafka topics of the public contract. A deployment may prefix them all (tests do). */
export const INPUT_TOPICS = {
  ticks: 'market.ticks',
  news: 'news.events',
  positions: 'portfolio.positions',
} as const;

/** Compacted topics: the latest message per key is the reference data (docs/knowledge-graph.md). */
export const REFERENCE_TOPICS = {
  instruments: 'reference.instruments',
  relations: 'reference.relations',
} as const;

export const OUTPUT_TOPICS = {
  evaluations: 'risk.evaluations',
  alerts: 'risk.alerts',
  dlq: 'risk.dlq',
} as const;

export type InputTopicName = (typeof INPUT_TOPICS)[keyof typeof INPUT_TOPICS];
export type ReferenceTopicName = (typeof REFERENCE_TOPICS)[keyof typeof REFERENCE_TOPICS];
export type OutputTopicName = (typeof OUTPUT_TOPICS)[keyof typeof OUTPUT_TOPICS];

export interface TopicNames {
  ticks: string;
  news: string;
  positions: string;
  instruments: string;
  relations: string;
  evaluations: string;
  alerts: string;
  dlq: string;
}

export function topicNames(prefix = ''): TopicNames {
  return {
    ticks: prefix + INPUT_TOPICS.ticks,
    news: prefix + INPUT_TOPICS.news,
    positions: prefix + INPUT_TOPICS.positions,
    instruments: prefix + REFERENCE_TOPICS.instruments,
    relations: prefix + REFERENCE_TOPICS.relations,
    evaluations: prefix + OUTPUT_TOPICS.evaluations,
    alerts: prefix + OUTPUT_TOPICS.alerts,
    dlq: prefix + OUTPUT_TOPICS.dlq,
  };
}

/** The topics with the broker's default (delete) cleanup policy. */
export function allTopics(names: TopicNames): string[] {
  return [names.ticks, names.news, names.positions, names.evaluations, names.alerts, names.dlq];
}

/** The topics created with `cleanup.policy=compact`. */
export function referenceTopics(names: TopicNames): string[] {
  return [names.instruments, names.relations];
}

/** Topic configuration of the compacted reference topics. */
export const REFERENCE_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
};
