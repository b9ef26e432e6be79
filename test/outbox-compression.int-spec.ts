import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import type { AppConfig } from '@risk/platform';
import { PlatformModule } from '@risk/platform';

import { OUTBOX_ID_HEADER, OutboxRelayService } from '../apps/risk-engine/src/outbox-relay.service';
import { evaluationPayload } from './support/evaluation-payload';
import { BROKERS, outboxEmpty, query } from './support/harness';
import { useTestEnvironment } from './support/running-service';

/**
 * What the relay publishes is compressed on the broker as KAFKA_OUTPUT_COMPRESSION says (the
 * broker's own segment dump shows each batch's codec) and read back by a client that is not
 * kafkajs (librdkafka's kcat), every message once, its outbox id header with it; a relay that
 * must reconcile finds the last message inside a compressed batch.
 */

// The local broker (infra:up) keeps its log under .cache/kafka/data (infra/kafka/server.properties).
const KAFKA_HOME = join(__dirname, '..', '.cache', 'kafka');

interface KcatMessage {
  partition: number;
  offset: number;
  key: string;
  payload: string;
  headers?: string[];
}

/** Every message of `topic`, read with kcat (librdkafka) as JSON envelopes. */
function kcatRead(topic: string): KcatMessage[] {
  const r = spawnSync(
    'kcat',
    ['-C', '-b', BROKERS.split(',')[0], '-t', topic, '-o', 'beginning', '-e', '-q', '-J'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.error) throw new Error(`cannot run kcat (Debian package kcat): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kcat -C failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as KcatMessage);
}

/** Each record batch's codec in `topic`'s partitions, and their bytes on disk, per the broker's tool. */
function brokerLog(topic: string, partitions: number): { codecs: string[]; bytes: number } {
  const data = join(KAFKA_HOME, 'data');
  if (!existsSync(data))
    throw new Error(`no broker log at ${data}: these checks need the broker infra:up starts`);
  const codecs: string[] = [];
  let bytes = 0;
  for (let p = 0; p < partitions; p++) {
    const dir = join(data, `${topic}-${p}`);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => join(dir, f));
    for (const f of files) bytes += statSync(f).size;
    const r = spawnSync(
      'java',
      ['-cp', `${join(KAFKA_HOME, 'libs')}/*`, 'kafka.tools.DumpLogSegments', '--files', ...files],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(`DumpLogSegments failed: ${r.stderr}`);
    for (const m of r.stdout.matchAll(/compresscodec: (\w+)/g)) codecs.push(m[1].toLowerCase());
  }
  return { codecs, bytes };
}

/** `rows` evaluations of ~16 kB, committed together so the relay sends them in few batches. */
async function insertEvaluations(url: string, topic: string, from: number, rows: number) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    for (let n = from; n < from + rows; n++) {
      await c.query(
        'INSERT INTO outbox (topic, partition, message_key, payload) VALUES ($1, $2, $3, $4)',
        [topic, n % 2, `pf-${n % 2}`, evaluationPayload(n)],
      );
    }
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

const drained = outboxEmpty;

function relayModule(cfg: AppConfig) {
  return Test.createTestingModule({
    imports: [PlatformModule.forRoot(cfg)],
    providers: [OutboxRelayService],
  }).compile();
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** Checks that kcat reads exactly evaluations `ns`, in outbox order per partition. */
function expectReadByKcat(topic: string, ns: number[]): KcatMessage[] {
  const read = kcatRead(topic);
  const byPayload = new Map(ns.map((n) => [evaluationPayload(n), n]));
  expect(read.map((m) => byPayload.get(m.payload)).sort((a, b) => a! - b!)).toEqual(ns);
  for (const p of [0, 1]) {
    const ids = read
      .filter((m) => m.partition === p)
      .map((m) => {
        const h = m.headers ?? [];
        expect(h[0]).toBe(OUTBOX_ID_HEADER);
        return Number(h[1]);
      });
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  }
  return read;
}

/** A relay on `env`'s database (opened and migrated by it) publishing `count` evaluations. */
async function publishThroughRelay(env: ReturnType<typeof useTestEnvironment>, count: number) {
  const cfg = env.config();
  const topic = env.topics.evaluations;
  const relay = env.own(await relayModule(cfg));
  await relay.init();
  // The rows commit together.
  await insertEvaluations(cfg.databaseUrl, topic, 0, count);
  await drained(cfg.databaseUrl);
  return { cfg, topic, relay };
}

describe('outbox relay: KAFKA_OUTPUT_COMPRESSION=gzip', () => {
  const env = useTestEnvironment('outboxgzip', {
    partitions: 2,
    env: { KAFKA_OUTPUT_COMPRESSION: 'gzip' },
  });

  it('publishes gzip batches a non-kafkajs client reads, and reconciles through them', async () => {
    const { cfg, topic, relay: first } = await publishThroughRelay(env, 60);
    expect(cfg.kafkaOutputCompression).toBe('gzip');
    await env.close(first);

    expectReadByKcat(topic, range(0, 60));
    const log = brokerLog(topic, 2);
    expect(log.codecs.length).toBeGreaterThan(0);
    expect(new Set(log.codecs)).toEqual(new Set(['gzip']));
    const payloadBytes = range(0, 60).reduce((s, n) => s + evaluationPayload(n).length, 0);
    expect(log.bytes).toBeLessThan(payloadBytes / 3);

    // A relay died after Kafka acknowledged its last sends but before it marked them: the next
    // relay must find the last message of each partition inside a gzip batch.
    await query(
      cfg.databaseUrl,
      `UPDATE outbox SET published_at = NULL
        WHERE id IN (SELECT id FROM outbox ORDER BY id DESC LIMIT 6)`,
    );
    await insertEvaluations(cfg.databaseUrl, topic, 60, 4);
    const second = env.own(await relayModule(cfg));
    await second.init();
    await drained(cfg.databaseUrl);
    await new Promise((r) => setTimeout(r, 1000));
    expectReadByKcat(topic, range(0, 64));
  });
});

describe('outbox relay: KAFKA_OUTPUT_COMPRESSION=none (the default)', () => {
  const env = useTestEnvironment('outboxplain', {
    partitions: 2,
    env: { KAFKA_OUTPUT_COMPRESSION: 'none' },
  });

  it('publishes uncompressed batches', async () => {
    const { cfg, topic } = await publishThroughRelay(env, 20);
    expect(cfg.kafkaOutputCompression).toBe('none');
    expectReadByKcat(topic, range(0, 20));
    const log = brokerLog(topic, 2);
    expect(new Set(log.codecs)).toEqual(new Set(['none']));
    const payloadBytes = range(0, 20).reduce((s, n) => s + evaluationPayload(n).length, 0);
    expect(log.bytes).toBeGreaterThan(payloadBytes);
  });
});
