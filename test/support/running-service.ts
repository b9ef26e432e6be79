import type { INestApplication } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicNames } from '@risk/contracts';
import type { AppConfig } from '@risk/platform';
// The all-in-one app is what the end-to-end tests boot; apps have no @risk alias.
// eslint-disable-next-line no-restricted-imports
import { startService } from '../../apps/all/src/start-service';
import {
  TopicReader,
  createTopics,
  dropDatabase,
  kafkaClient,
  testConfig,
  uniqueTag,
} from './harness';

export interface RunningService {
  readonly cfg: AppConfig;
  readonly topics: TopicNames;
  readonly kafka: Kafka;
  readonly app: INestApplication;
  /** Readers of the output topics asked for in `read`, started before the tests. */
  readonly readers: Partial<Record<keyof TopicNames, TopicReader>>;
}

/**
 * Every service in one process on its own topics and database, for the tests of one file:
 * started in beforeAll, stopped (and its database dropped) in afterAll.
 */
export function useRunningService(
  name: string,
  opts: {
    env?: Record<string, string>;
    partitions?: number;
    listen?: boolean;
    read?: (keyof TopicNames)[];
  } = {},
): RunningService {
  const tag = uniqueTag(name);
  const cfg = testConfig(tag, opts.env);
  const readers: RunningService['readers'] = {};
  let topics: TopicNames | undefined;
  let kafka: Kafka | undefined;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    topics = await createTopics(`${tag}.`, opts.partitions);
    kafka = kafkaClient();
    app = await startService(cfg, { listen: opts.listen ?? true });
    for (const t of opts.read ?? []) readers[t] = await new TopicReader(kafka, topics[t]).start();
  });

  afterAll(async () => {
    for (const r of Object.values(readers)) await r.stop();
    await app?.close();
    await dropDatabase(cfg.databaseUrl);
  });

  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the service is not started yet (${what})`);
    return v;
  };
  return {
    cfg,
    readers,
    get topics() {
      return started(topics, 'topics');
    },
    get kafka() {
      return started(kafka, 'kafka');
    },
    get app() {
      return started(app, 'app');
    },
  };
}

/** The reasoning model end-to-end tests run: TEST_REASONING_MODEL_DIR, else the shipped default. */
export function reasoningModelEnv(): Record<string, string> {
  const dir = process.env.TEST_REASONING_MODEL_DIR;
  return dir ? { REASONING_MODEL_DIR: dir } : {};
}
