import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka, loadConfig } from '@risk/platform';

import { waitFor } from './support/harness';
import { SECURE_USER, startSecureBroker, type SecureBroker } from './support/secure-broker';

/**
 * The service's Kafka clients (createKafka, which every process uses) against a cluster that
 * wants TLS and SASL: a second broker of our own with a SASL_SSL listener.
 */
describe('Kafka over SASL_SSL', () => {
  let broker: SecureBroker;

  beforeAll(async () => {
    broker = await startSecureBroker();
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
  });

  const kafkaWith = (env: Record<string, string>): Kafka =>
    createKafka(
      loadConfig({
        KAFKA_BROKERS: broker.brokers,
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: broker.caFile,
        KAFKA_SASL_USERNAME: SECURE_USER.username,
        KAFKA_SASL_PASSWORD: SECURE_USER.password,
        ...env,
      }),
    );

  /** The broker may still be starting: the first admin connection is retried for a while. */
  async function connectedAdmin(kafka: Kafka) {
    return waitFor(
      async () => {
        const admin = kafka.admin();
        try {
          await admin.connect();
          return admin;
        } catch {
          await admin.disconnect().catch(() => undefined);
          return undefined;
        }
      },
      120_000,
      'the SASL_SSL broker',
    );
  }

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])(
    'produces and consumes with SASL %s over TLS',
    async (mechanism) => {
      const kafka = kafkaWith({ KAFKA_SASL_MECHANISM: mechanism });
      const topic = `secure-${mechanism}-${randomBytes(3).toString('hex')}`;
      const admin = await connectedAdmin(kafka);
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: mechanism }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `g-${topic}`, maxWaitTimeInMs: 100 });
      const got: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => void got.push(String(message.value)),
      });
      await waitFor(() => got.length > 0, 60_000, 'the message back');
      await consumer.disconnect();
      expect(got).toEqual([mechanism]);
    },
    180_000,
  );

  it('is refused with a wrong password or without the CA', async () => {
    const wrong = kafkaWith({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'nope' });
    // Authentication failures are not retried by kafkajs: the connect fails fast.
    const a = wrong.admin();
    await expect(a.connect()).rejects.toThrow(/SASL|authentication/i);
    await a.disconnect();
    const untrusted = createKafka(
      loadConfig({
        KAFKA_BROKERS: broker.brokers,
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: SECURE_USER.username,
        KAFKA_SASL_PASSWORD: SECURE_USER.password,
      }),
    );
    const b = untrusted.admin();
    await expect(b.connect()).rejects.toThrow();
    await b.disconnect();
  }, 180_000);
});
