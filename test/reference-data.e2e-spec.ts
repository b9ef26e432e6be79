import { execFileSync } from 'node:child_process';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ConfigResourceTypes } from 'kafkajs';
import type { DeadLetter } from '@risk/contracts';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { BROKERS, json, produce, query, waitFor } from './support/harness';
import { REFERENCE_TS, instrumentMessage, relationMessage } from './support/reference-messages';
import { useRunningService } from './support/running-service';

const TS = REFERENCE_TS;
const LATER = '2026-11-30T09:00:00.000Z';

const instrument = (symbol: string, issuer: string, extra: Record<string, unknown> = {}) => ({
  ...instrumentMessage(symbol, issuer),
  ...extra,
});
const relation = (id: string, from: string, to: string, kind: string, weight: number, ts = TS) => ({
  ...relationMessage(id, from, to, 'supplier_of', weight, ts),
  kind,
});

/** Produces with kcat (librdkafka), a producer that is not kafkajs: `key:value` lines, -Z for null. */
function kcat(topic: string, lines: string[], tombstones = false): void {
  execFileSync(
    'kcat',
    ['-P', '-b', BROKERS.split(',')[0], '-t', topic, '-K:', ...(tombstones ? ['-Z'] : [])],
    { input: lines.join('\n') + '\n', timeout: 30_000 },
  );
}

interface InstrumentBody {
  symbol: string;
  name: string;
  issuer: string;
  type: string;
  issuerInstruments: string[];
  derivatives: string[];
  relations: {
    id: string;
    from: string;
    to: string;
    kind: string;
    weight: number;
    resolved: boolean;
  }[];
}

describe('reference data', () => {
  const svc = useRunningService('refdata', {
    partitions: 2,
    listen: false,
    read: ['dlq'],
    env: { REASONING_ENABLED: 'false', WEBHOOK_WORKER: 'false' },
  });
  let viewer: string;
  const get = (path: string) =>
    request(svc.app.getHttpServer()).get(path).set('Authorization', `Bearer ${viewer}`);
  const instrumentNow = async (symbol: string): Promise<InstrumentBody | undefined> => {
    const res = await get(`/api/v1/instruments/${symbol}`);
    return res.status === 200 ? (res.body as InstrumentBody) : undefined;
  };

  beforeAll(async () => {
    viewer = (await new ApiKeyRepository(svc.app.get(DataSource)).create('viewer')).key;
  });

  it('creates the reference topics compacted', async () => {
    const admin = svc.kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [svc.topics.instruments, svc.topics.relations].map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['cleanup.policy'],
        })),
      });
      for (const r of resources) {
        expect(r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe(
          'compact',
        );
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('stores instruments and relations from any producer and serves them with their edges', async () => {
    await produce(svc.kafka, svc.topics.instruments, [
      json(
        'HRGT',
        instrument('HRGT', 'HARROWGATE', {
          name: 'Harrowgate Devices plc',
          aliases: ['Harrowgate'],
        }),
      ),
      json(
        'HRGT-B30',
        instrument('HRGT-B30', 'HARROWGATE', { type: 'bond', name: 'Harrowgate 4% 2030' }),
      ),
      json('KSTL', instrument('KSTL', 'KESTREL', { name: 'Kestrel Components Inc.' })),
      json('DEVX', instrument('DEVX', 'DEVX-FUND', { type: 'etf', name: 'Devices Sector ETF' })),
    ]);
    // The option comes through kcat, as a producer outside this codebase would send it.
    const option = instrument('HRGT-C100', 'OPTIONS-CLEARING', {
      type: 'option',
      name: 'HRGT Dec 100 call',
      underlying: 'HRGT',
    });
    kcat(svc.topics.instruments, [`HRGT-C100:${JSON.stringify(option)}`]);
    kcat(svc.topics.relations, [
      `r1:${JSON.stringify(relation('r1', 'KESTREL', 'HARROWGATE', 'supplier_of', 0.4))}`,
      `r2:${JSON.stringify(relation('r2', 'HRGT', 'DEVX', 'constituent_of', 0.079))}`,
    ]);
    await produce(svc.kafka, svc.topics.relations, [
      json('r3', relation('r3', 'HARROWGATE', 'ZENITH', 'peer_of', 0.5)),
      json('r4', relation('r4', 'KESTREL', 'ZENITH', 'customer_of', 0.3)),
    ]);

    const body = await waitFor(
      async () => {
        const b = await instrumentNow('HRGT');
        // Each instrument may arrive on its own partition, so wait for all of them.
        return b &&
          b.relations.length === 3 &&
          b.derivatives.length === 1 &&
          b.issuerInstruments.length === 1
          ? b
          : undefined;
      },
      60_000,
      'HRGT with its relations',
    );
    expect(body).toMatchObject({
      symbol: 'HRGT',
      name: 'Harrowgate Devices plc',
      issuer: 'HARROWGATE',
      type: 'equity',
      issuerInstruments: ['HRGT-B30'],
      derivatives: ['HRGT-C100'],
    });
    const byId = Object.fromEntries(body.relations.map((r) => [r.id, r]));
    expect(byId.r1).toMatchObject({
      from: 'KESTREL',
      to: 'HARROWGATE',
      kind: 'supplier_of',
      weight: 0.4,
      resolved: true,
    });
    expect(byId.r2).toMatchObject({
      from: 'HRGT',
      to: 'DEVX',
      kind: 'constituent_of',
      weight: 0.079,
      resolved: true,
    });
    // An edge to an issuer with no instrument yet is kept, pending (it may arrive later on a replay).
    expect(byId.r3).toMatchObject({ to: 'ZENITH', resolved: false });
    expect(byId.r4).toBeUndefined();

    const option2 = await instrumentNow('HRGT-C100');
    expect(option2).toMatchObject({ type: 'option', relations: [] });
    expect((await instrumentNow('DEVX'))?.relations.map((r) => r.id)).toEqual(['r2']);

    await produce(svc.kafka, svc.topics.instruments, [json('ZNTH', instrument('ZNTH', 'ZENITH'))]);
    await waitFor(
      async () => (await instrumentNow('HRGT'))?.relations.find((r) => r.id === 'r3')?.resolved,
      30_000,
      'r3 resolved once ZENITH is known',
    );
  });

  it('lets a later message replace, an older one not, and weight 0 or a tombstone remove', async () => {
    await produce(svc.kafka, svc.topics.instruments, [
      json(
        'KSTL',
        instrument('KSTL', 'KESTREL', {
          id: 'i-KSTL-2',
          ts: LATER,
          name: 'Kestrel Components Corp.',
        }),
      ),
      json(
        'KSTL',
        instrument('KSTL', 'KESTREL', {
          id: 'i-KSTL-old',
          ts: '2026-11-29T08:00:00.000Z',
          name: 'Old name',
        }),
      ),
    ]);
    await produce(svc.kafka, svc.topics.relations, [
      json('r1', relation('r1', 'KESTREL', 'HARROWGATE', 'supplier_of', 0, LATER)),
      // Older than the removal: it must not bring the edge back.
      json('r1', relation('r1', 'KESTREL', 'HARROWGATE', 'supplier_of', 0.9)),
    ]);
    kcat(svc.topics.relations, ['r3:'], true);
    kcat(svc.topics.instruments, ['HRGT-C100:'], true);

    const after = await waitFor(
      async () => {
        const b = await instrumentNow('HRGT');
        return b && b.relations.length === 1 && b.derivatives.length === 0 ? b : undefined;
      },
      60_000,
      'the removals',
    );
    expect(after.relations.map((r) => r.id)).toEqual(['r2']);
    await waitFor(
      async () => (await instrumentNow('KSTL'))?.name === 'Kestrel Components Corp.',
      30_000,
      'KSTL renamed',
    );
    await get('/api/v1/instruments/HRGT-C100').expect(404);
    expect(
      await query(svc.cfg.databaseUrl, "SELECT weight FROM relations WHERE id = 'r1'"),
    ).toEqual([{ weight: 0 }]);
    expect(await query(svc.cfg.databaseUrl, "SELECT id FROM relations WHERE id = 'r3'")).toEqual(
      [],
    );
  });

  it('dead-letters bad reference messages with the reason and goes on', async () => {
    const bad: [string, string, string, string | null][] = [
      [
        svc.topics.instruments,
        'WARR',
        'SCHEMA',
        JSON.stringify(instrument('WARR', 'W', { type: 'warrant' })),
      ],
      [
        svc.topics.instruments,
        'OPT1',
        'SCHEMA',
        JSON.stringify(instrument('OPT1', 'W', { type: 'option' })),
      ],
      [
        svc.topics.instruments,
        'MISMATCH',
        'KEY_MISMATCH',
        JSON.stringify(instrument('OTHER', 'W')),
      ],
      [
        svc.topics.relations,
        'rb1',
        'SCHEMA',
        JSON.stringify(relation('rb1', 'A', 'A', 'peer_of', 0.5)),
      ],
      [
        svc.topics.relations,
        'rb2',
        'SCHEMA',
        JSON.stringify(relation('rb2', 'A', 'B', 'peer_of', 1.5)),
      ],
      [
        svc.topics.relations,
        'rb3',
        'SCHEMA',
        JSON.stringify(relation('rb3', 'a b', 'XLK', 'constituent_of', 0.1)),
      ],
      [
        svc.topics.relations,
        'rb4',
        'SCHEMA',
        JSON.stringify(relation('rb4', 'A', 'B', 'friend_of', 0.1)),
      ],
      [
        svc.topics.relations,
        'rb5',
        'SCHEMA',
        JSON.stringify(relation('rb5', 'A', 'B', 'peer_of', 0.2, '2099-01-01T00:00:00.000Z')),
      ],
      [svc.topics.relations, 'bad key!', 'SCHEMA', null],
    ];
    for (const [topic, key, , value] of bad) await produce(svc.kafka, topic, [{ key, value }]);
    await produce(svc.kafka, svc.topics.instruments, [json('GOOD', instrument('GOOD', 'GOODCO'))]);

    const letters = (await svc.readers.dlq!.waitForCount(bad.length, 60_000, (l) =>
      [svc.topics.instruments, svc.topics.relations].includes(String(l.topic)),
    )) as unknown as DeadLetter[];
    for (const [topic, key, code] of bad) {
      const letter = letters.find((l) => l.topic === topic && l.key === key);
      expect({ key, code: letter?.errorCode }).toEqual({ key, code });
      expect(letter!.error.length).toBeGreaterThan(5);
    }
    expect(letters.find((l) => l.key === 'rb2')?.error).toMatch(/^weight: /);
    expect(letters.find((l) => l.key === 'OPT1')?.error).toMatch(/^underlying: /);
    expect(letters.find((l) => l.key === 'rb5')?.error).toMatch(
      /^ts: .* ahead of the service clock/,
    );
    await waitFor(() => instrumentNow('GOOD'), 30_000, 'the good instrument after the bad ones');
  });

  it('answers 404 JSON for an unknown symbol and 400 JSON for a bad one', async () => {
    const missing = await get('/api/v1/instruments/NOPE').expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404 });
    const bad = await get('/api/v1/instruments/not%20a%20symbol').expect(400);
    expect(bad.body).toMatchObject({ statusCode: 400 });
    expect(String(bad.body.message)).toMatch(/symbol/);
    await request(svc.app.getHttpServer()).get('/api/v1/instruments/HRGT').expect(401);
  });
});
