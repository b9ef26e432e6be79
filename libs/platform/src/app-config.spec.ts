import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_WEBHOOK_SECRET_KEY } from '@risk/alerting/secret-box';
import {
  ConfigError,
  SECRET_SETTINGS,
  loadConfig,
  parseReasoningGate,
  redactedConfig,
} from './app-config';
import { CompressionTypes } from 'kafkajs';
import { kafkaSecurity, outputCompression } from './kafka';

describe('REASONING_GATE', () => {
  it('runs the language model on news, large moves and level changes by default', () => {
    expect(loadConfig({}).reasoningGate).toEqual({ news: true, moves: true, levels: true });
  });

  it('takes a comma-separated subset, in any order, with spaces and repeats', () => {
    expect(loadConfig({ REASONING_GATE: 'moves' }).reasoningGate).toEqual({
      news: false,
      moves: true,
      levels: false,
    });
    expect(parseReasoningGate(' levels , News,levels')).toEqual({
      news: true,
      moves: false,
      levels: true,
    });
  });

  it('runs the language model on nothing when empty', () => {
    expect(loadConfig({ REASONING_GATE: '' }).reasoningGate).toEqual({
      news: false,
      moves: false,
      levels: false,
    });
  });

  it('rejects an unknown word, naming the setting', () => {
    expect(() => parseReasoningGate('news,ticks')).toThrow(ConfigError);
    expect(() => parseReasoningGate('news,ticks')).toThrow(/"ticks"/);
    expect(() => loadConfig({ REASONING_GATE: 'news;moves' })).toThrow(
      /invalid configuration: REASONING_GATE: a comma-separated subset of news, moves, levels/,
    );
  });
});

describe('retention settings', () => {
  it('default to 72 h of stream, 30 days of webhooks, 14 days of ledger, every 600 s', () => {
    expect(loadConfig({})).toMatchObject({
      retentionStreamEventsHours: 72,
      retentionWebhookDays: 30,
      retentionProcessedEventsDays: 14,
      retentionOutboxHours: 24,
      retentionSnapshotDays: 30,
      retentionEvaluationsDays: 0,
      retentionIntervalSeconds: 600,
      retentionBatch: 5000,
    });
  });

  it('take 0 as keep forever', () => {
    expect(
      loadConfig({
        RETENTION_STREAM_EVENTS_HOURS: '0',
        RETENTION_WEBHOOK_DAYS: '0',
        RETENTION_PROCESSED_EVENTS_DAYS: '0',
        RETENTION_OUTBOX_HOURS: '0',
        RETENTION_SNAPSHOT_DAYS: '0',
      }),
    ).toMatchObject({
      retentionStreamEventsHours: 0,
      retentionWebhookDays: 0,
      retentionProcessedEventsDays: 0,
      retentionOutboxHours: 0,
      retentionSnapshotDays: 0,
    });
  });

  it('refuse a ledger window below one day, naming the setting and why', () => {
    expect(loadConfig({ RETENTION_PROCESSED_EVENTS_DAYS: '1' }).retentionProcessedEventsDays).toBe(
      1,
    );
    expect(
      loadConfig({ RETENTION_PROCESSED_EVENTS_DAYS: '2.5' }).retentionProcessedEventsDays,
    ).toBe(2.5);
    expect(() => loadConfig({ RETENTION_PROCESSED_EVENTS_DAYS: '0.5' })).toThrow(
      /RETENTION_PROCESSED_EVENTS_DAYS: 0 \(keep forever\) or at least 1 day: a ledger row must outlive every redelivery/,
    );
    expect(() => loadConfig({ RETENTION_PROCESSED_EVENTS_DAYS: '-3' })).toThrow(ConfigError);
  });

  it('refuse values out of bounds or not numbers', () => {
    expect(() => loadConfig({ RETENTION_STREAM_EVENTS_HOURS: '-1' })).toThrow(
      /RETENTION_STREAM_EVENTS_HOURS/,
    );
    expect(() => loadConfig({ RETENTION_STREAM_EVENTS_HOURS: '1.5' })).toThrow(
      /RETENTION_STREAM_EVENTS_HOURS/,
    );
    expect(() => loadConfig({ RETENTION_WEBHOOK_DAYS: 'week' })).toThrow(/RETENTION_WEBHOOK_DAYS/);
    expect(() => loadConfig({ RETENTION_OUTBOX_HOURS: '-1' })).toThrow(/RETENTION_OUTBOX_HOURS/);
    expect(() => loadConfig({ RETENTION_SNAPSHOT_DAYS: '2.5' })).toThrow(/RETENTION_SNAPSHOT_DAYS/);
    expect(() => loadConfig({ RETENTION_INTERVAL_SECONDS: '5' })).toThrow(
      /RETENTION_INTERVAL_SECONDS/,
    );
    expect(() => loadConfig({ RETENTION_BATCH: '10' })).toThrow(/RETENTION_BATCH/);
  });
});

describe('one schema', () => {
  it('carries the reasoning runtime and HOST into the injected config', () => {
    const cfg = loadConfig({
      REASONING_EP: 'CUDA,cpu',
      REASONING_MAX_BATCH: '4',
      HOST: '127.0.0.1',
    });
    expect(cfg).toMatchObject({
      reasoningEp: ['cuda', 'cpu'],
      reasoningMaxBatch: 4,
      host: '127.0.0.1',
    });
    expect(() => loadConfig({ REASONING_GRAPH_OPT: 'max' })).toThrow(/REASONING_GRAPH_OPT/);
  });

  it('flags DATABASE_URL, KAFKA_SASL_PASSWORD and WEBHOOK_SECRET_KEY as secrets and redacts them', () => {
    expect([...SECRET_SETTINGS].sort()).toEqual([
      'DATABASE_URL',
      'KAFKA_SASL_PASSWORD',
      'WEBHOOK_SECRET_KEY',
    ]);
    const cfg = loadConfig({
      DATABASE_URL: 'postgres://u:hunter2@db:5432/risk',
      WEBHOOK_SECRET_KEY: 'cd'.repeat(32),
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'desk',
      KAFKA_SASL_PASSWORD: 'pa55word',
    });
    const logged = JSON.stringify(redactedConfig(cfg));
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('cd'.repeat(32));
    expect(logged).not.toContain('pa55word');
  });
});

describe('Kafka TLS and SASL settings', () => {
  it('are off by default', () => {
    expect(loadConfig({})).toMatchObject({ kafkaSsl: false, kafkaSaslMechanism: '' });
    expect(kafkaSecurity(loadConfig({}))).toEqual({});
  });

  it('take a CA file and a SASL mechanism with its credentials; the password is a secret', () => {
    const cfg = loadConfig({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/etc/ca.pem',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'desk',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(cfg).toMatchObject({
      kafkaSsl: true,
      kafkaSslCaFile: '/etc/ca.pem',
      kafkaSslRejectUnauthorized: true,
      kafkaSaslMechanism: 'scram-sha-512',
      kafkaSaslUsername: 'desk',
      kafkaSaslPassword: 's3cret',
    });
    expect(cfg.kafkaSslCertFile).toBeUndefined();
    expect(SECRET_SETTINGS).toContain('KAFKA_SASL_PASSWORD');
  });

  it('fail fast on half a setting', () => {
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    );
    expect(() => loadConfig({ KAFKA_SASL_USERNAME: 'x', KAFKA_SASL_PASSWORD: 'y' })).toThrow(
      /KAFKA_SASL_MECHANISM is not/,
    );
    expect(() => loadConfig({ KAFKA_SSL_CA_FILE: '/etc/ca.pem' })).toThrow(/KAFKA_SSL is not/);
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(ConfigError);
    expect(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/etc/client.pem' })).toThrow(
      /go together/,
    );
  });

  it('map to kafkajs options, reading the certificate files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-ssl-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    try {
      const cfg = loadConfig({
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: ca,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'desk',
        KAFKA_SASL_PASSWORD: 'pw',
      });
      expect(kafkaSecurity(cfg)).toEqual({
        ssl: { rejectUnauthorized: true, ca: [readFileSync(ca, 'utf8')] },
        sasl: { mechanism: 'plain', username: 'desk', password: 'pw' },
      });
      expect(kafkaSecurity(loadConfig({ KAFKA_SSL: '1' }))).toEqual({ ssl: true });
      expect(kafkaSecurity(loadConfig({}))).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MAX_CLOCK_SKEW_MS', () => {
  it('defaults to five minutes', () => {
    expect(loadConfig({}).maxClockSkewMs).toBe(300_000);
    expect(loadConfig({ MAX_CLOCK_SKEW_MS: '1000' }).maxClockSkewMs).toBe(1000);
    expect(() => loadConfig({ MAX_CLOCK_SKEW_MS: '-1' })).toThrow(/MAX_CLOCK_SKEW_MS/);
  });
});

describe('WEBHOOK_SECRET_KEY', () => {
  it('is the public demo key when unset, outside production only', () => {
    expect(loadConfig({}).webhookSecretKey).toBe(DEMO_WEBHOOK_SECRET_KEY);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRET_KEY/);
    const key = 'ab'.repeat(32);
    expect(loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRET_KEY: key }).webhookSecretKey).toBe(
      key,
    );
  });

  it('refuses a key that is not 32 bytes, and is never logged', () => {
    expect(() => loadConfig({ WEBHOOK_SECRET_KEY: 'short' })).toThrow(/WEBHOOK_SECRET_KEY/);
    expect(SECRET_SETTINGS).toContain('WEBHOOK_SECRET_KEY');
  });
});

describe('KAFKA_OUTPUT_COMPRESSION', () => {
  it('is none by default: uncompressed batches', () => {
    const cfg = loadConfig({});
    expect(cfg.kafkaOutputCompression).toBe('none');
    expect(outputCompression(cfg.kafkaOutputCompression)).toBe(CompressionTypes.None);
  });

  it('takes gzip, for kafkajs its GZIP codec', () => {
    const cfg = loadConfig({ KAFKA_OUTPUT_COMPRESSION: 'gzip' });
    expect(cfg.kafkaOutputCompression).toBe('gzip');
    expect(outputCompression(cfg.kafkaOutputCompression)).toBe(CompressionTypes.GZIP);
  });

  it('refuses any other codec at startup, naming the setting and the choices', () => {
    // zstd cannot be produced here (kafka-codecs.ts); snappy and lz4 would be pure JS on the
    // event loop, and any other spelling is a mistake.
    for (const bad of ['zstd', 'snappy', 'lz4', 'GZIP', '', 'true']) {
      expect(() => loadConfig({ KAFKA_OUTPUT_COMPRESSION: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ KAFKA_OUTPUT_COMPRESSION: bad })).toThrow(
        /invalid configuration: KAFKA_OUTPUT_COMPRESSION: .*'gzip' \| 'none'/,
      );
    }
  });
});
