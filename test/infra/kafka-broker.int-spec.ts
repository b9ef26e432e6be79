import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
// scripts/ is not a library with an alias; this test exercises the script's own function.
// eslint-disable-next-line no-restricted-imports
import {
  brokersFromEnv,
  ensureTopics,
  projectReferenceTopics,
  projectTopics,
} from '../../scripts/infra/topics';

/** Needs a running broker: `npm run infra:up` (or KAFKA_BROKERS pointing at a cluster). */
describe('Kafka broker (infra)', () => {
  const brokers = brokersFromEnv();
  const prefix = `test.infra.${randomUUID().slice(0, 8)}.`;
  const kafka = new Kafka({ clientId: `${prefix}client`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  const createdTopics: string[] = [];

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics });
    await admin.disconnect();
  });

  it('has the project topics that infra:up creates', async () => {
    const topics = await admin.listTopics();
    expect(topics).toEqual(expect.arrayContaining(projectTopics('')));
  });

  it('has the reference topics that infra:up creates, compacted', async () => {
    const names = projectReferenceTopics('');
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(names));
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['cleanup.policy'],
      })),
    });
    const policy = Object.fromEntries(
      resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue]),
    );
    expect(policy).toEqual(Object.fromEntries(names.map((n) => [n, 'compact'])));
  });

  it('creates a topic once and leaves it alone the second time', async () => {
    const topic = `${prefix}idempotent`;
    createdTopics.push(topic);

    const first = await ensureTopics(brokers, [topic], 2);
    const second = await ensureTopics(brokers, [topic], 2);

    expect(first).toEqual({ created: [topic], existing: [] });
    expect(second).toEqual({ created: [], existing: [topic] });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata.topics[0]?.partitions ?? [];
    expect(partitions).toHaveLength(2);
    expect(partitions.every((partition) => partition.leader >= 0)).toBe(true);
  });

  it('lets concurrent callers race to create the same topic', async () => {
    const topic = `${prefix}race`;
    createdTopics.push(topic);

    const results = await Promise.all([
      ensureTopics(brokers, [topic], 1),
      ensureTopics(brokers, [topic], 1),
    ]);

    expect(results).toHaveLength(2);
    expect(await admin.listTopics()).toContain(topic);
  });

  it('delivers a produced message to a consumer', async () => {
    const topic = `${prefix}roundtrip`;
    createdTopics.push(topic);
    await ensureTopics(brokers, [topic], 3);
    const value = JSON.stringify({ id: randomUUID(), ts: new Date().toISOString() });

    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k-1', value }] });

    consumer = kafka.consumer({ groupId: `${prefix}group` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string }>((resolve) => {
      void consumer?.run({
        eachMessage: async ({ message }) => {
          resolve({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
        },
      });
    });

    expect(received).toEqual({ key: 'k-1', value });
  });
});
