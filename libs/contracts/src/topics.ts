/** Kafka topics of the public contract. A deployment may prefix them all (tests do). */
export const INPUT_TOPICS = {
  ticks: 'market.ticks',
  news: 'news.events',
  positions: 'portfolio.positions',
} as const;

export const OUTPUT_TOPICS = {
  evaluations: 'risk.evaluations',
  alerts: 'risk.alerts',
  dlq: 'risk.dlq',
} as const;

export type InputTopicName = (typeof INPUT_TOPICS)[keyof typeof INPUT_TOPICS];
export type OutputTopicName = (typeof OUTPUT_TOPICS)[keyof typeof OUTPUT_TOPICS];

export interface TopicNames {
  ticks: string;
  news: string;
  positions: string;
  evaluations: string;
  alerts: string;
  dlq: string;
}

export function topicNames(prefix = ''): TopicNames {
  return {
    ticks: prefix + INPUT_TOPICS.ticks,
    news: prefix + INPUT_TOPICS.news,
    positions: prefix + INPUT_TOPICS.positions,
    evaluations: prefix + OUTPUT_TOPICS.evaluations,
    alerts: prefix + OUTPUT_TOPICS.alerts,
    dlq: prefix + OUTPUT_TOPICS.dlq,
  };
}

export function allTopics(names: TopicNames): string[] {
  return [names.ticks, names.news, names.positions, names.evaluations, names.alerts, names.dlq];
}
