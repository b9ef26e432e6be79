import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Anything a test starts and the environment stops: an app, an app context. */
interface Closeable {
  close(): Promise<unknown>;
}

export interface TestEnvironment {
  /** The environment's configuration; `overrides` (say another INSTANCE_ID) keep its topics and database. */
  config(overrides?: Record<string, string>): AppConfig;
  readonly topics: TopicNames;
  readonly kafka: Kafka;
  /** Readers of the topics asked for in `read`, started in beforeAll. */
  readonly readers: Partial<Record<keyof TopicNames, TopicReader>>;
  /** Stopped in afterAll, the last owned first, before the database is dropped. */
  own<T extends Closeable>(app: T): T;
  /** Stops an owned app now (an instance leaving in the middle of a test). */
  close(app: Closeable): Promise<void>;
  /** Runs `fn` in afterAll, before the owned apps are stopped. */
  cleanup(fn: () => Promise<unknown>): void;
}

/**
 * Topics and a database of their own for the tests of one file: topics created (and readers
 * started) in beforeAll; in afterAll the cleanups run, the owned apps stop (the last owned first)
 * and the database is dropped. Whoever opens the database first creates and migrates it.
 * `kafka: false` makes a database-only environment: no topics, no client.
 */
export function useTestEnvironment(
  name: string,
  opts: {
    env?: Record<string, string>;
    partitions?: number;
    read?: (keyof TopicNames)[];
    kafka?: boolean;
  } = {},
): TestEnvironment {
  const tag = uniqueTag(name);
  const base = testConfig(tag, opts.env);
  let topics: TopicNames | undefined;
  let kafka: Kafka | undefined;
  const readers: TestEnvironment['readers'] = {};
  const owned: Closeable[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    if (opts.kafka === false) return;
    topics = await createTopics(`${tag}.`, opts.partitions);
    kafka = kafkaClient();
    for (const t of opts.read ?? []) {
      const reader = await new TopicReader(kafka, topics[t]).start();
      readers[t] = reader;
      cleanups.push(() => reader.stop());
    }
  });

  afterAll(async () => {
    for (const fn of cleanups) await fn();
    for (const app of owned.reverse()) await app.close();
    await dropDatabase(base.databaseUrl);
  });

  const started = <T>(v: T | undefined, what: string): T => {
    if (opts.kafka === false) throw new Error(`the test environment has no Kafka (${what})`);
    if (v === undefined) throw new Error(`the test environment is not set up yet (${what})`);
    return v;
  };
  return {
    config: (overrides) => (overrides ? testConfig(tag, { ...opts.env, ...overrides }) : base),
    readers,
    get topics() {
      return started(topics, 'topics');
    },
    get kafka() {
      return started(kafka, 'kafka');
    },
    own(app) {
      owned.push(app);
      return app;
    },
    async close(app) {
      const i = owned.indexOf(app);
      if (i >= 0) owned.splice(i, 1);
      await app.close();
    },
    cleanup(fn) {
      cleanups.push(fn);
    },
  };
}

/** A test environment with every service running in it, as one app. */
export interface RunningService extends TestEnvironment {
  readonly cfg: AppConfig;
  readonly app: INestApplication;
}

/**
 * Every service in one process on its own topics and database, for the tests of one file:
 * started in beforeAll, stopped (and its database dropped) in afterAll.
 */
export function useRunningService(
  name: string,
  opts: Parameters<typeof useTestEnvironment>[1] & { listen?: boolean } = {},
): RunningService {
  const env = useTestEnvironment(name, opts);
  let app: INestApplication | undefined;

  beforeAll(async () => {
    app = env.own(await startService(env.config(), { listen: opts.listen ?? true }));
  });

  return {
    cfg: env.config(),
    config: env.config,
    readers: env.readers,
    own: env.own,
    close: env.close,
    cleanup: env.cleanup,
    get topics() {
      return env.topics;
    },
    get kafka() {
      return env.kafka;
    },
    get app() {
      if (app === undefined) throw new Error('the service is not started yet (app)');
      return app;
    },
  };
}

/** The app's address on loopback; an app started with `listen: false` listens on a free port first. */
export async function listenOnLoopback(app: INestApplication): Promise<string> {
  const server = app.getHttpServer() as Server;
  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * The reasoning model end-to-end tests run: TEST_REASONING_MODEL_DIR, else the shipped default;
 * evaluations wait for it however long it takes (no latency budget: a loaded CI machine is slow,
 * and these tests read its chain of thought).
 */
export function reasoningModelEnv(): Record<string, string> {
  const dir = process.env.TEST_REASONING_MODEL_DIR;
  return {
    REASONING_NEWS_BUDGET_MS: '0',
    REASONING_MOVE_BUDGET_MS: '0',
    ...(dir ? { REASONING_MODEL_DIR: dir } : {}),
  };
}
