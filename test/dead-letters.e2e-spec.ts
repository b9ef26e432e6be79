import { MALFORMED_CASES, VALID_SAMPLES, type DeadLetter, type InputKind } from '@risk/contracts';

import { json, produce, query, waitFor } from './support/harness';
import { useRunningService } from './support/running-service';

describe('dead letters', () => {
  const svc = useRunningService('dlq', { partitions: 1, listen: false, read: ['dlq'] });
  const cfg = svc.cfg;

  const topicOf = (kind: InputKind) =>
    ({ tick: svc.topics.ticks, news: svc.topics.news, positions: svc.topics.positions })[kind];

  it(`sends each of ${MALFORMED_CASES.length} kinds of malformed message to risk.dlq with its reason, and goes on`, async () => {
    for (const c of MALFORMED_CASES) {
      await produce(svc.kafka, topicOf(c.kind), [{ key: c.key, value: c.value }]);
    }
    // Valid messages after all the bad ones: the consumers must get to them.
    await produce(svc.kafka, topicOf('positions'), [json('pf-alpha', VALID_SAMPLES.snap)]);
    await produce(svc.kafka, topicOf('tick'), [json('AAPL', VALID_SAMPLES.tick)]);

    const letters = (await svc.readers.dlq!.waitForCount(
      MALFORMED_CASES.length,
      60_000,
    )) as unknown as DeadLetter[];
    expect(letters).toHaveLength(MALFORMED_CASES.length);
    for (const c of MALFORMED_CASES) {
      const topic = topicOf(c.kind);
      const raw =
        c.value === null ? null : Buffer.isBuffer(c.value) ? c.value : Buffer.from(c.value);
      const match = letters.find(
        (l) =>
          l.topic === topic &&
          l.errorCode === String(c.code) &&
          (raw === null || raw.length === 0
            ? l.value === null || l.value === ''
            : l.encoding === 'base64'
              ? Buffer.from(l.value!, 'base64').equals(raw)
              : l.value === raw.toString('utf8')),
      );
      expect({ case: c.name, found: Boolean(match) }).toEqual({ case: c.name, found: true });
      expect(match!.error.length).toBeGreaterThan(5);
      expect(match!.offset).toMatch(/^\d+$/);
      expect(Date.parse(match!.ts)).not.toBeNaN();
    }
    const rows = await waitFor(async () => {
      const r = await query(
        cfg.databaseUrl,
        "SELECT id FROM evaluations WHERE portfolio_id = 'pf-alpha'",
      );
      return r.length > 0 ? r : undefined;
    });
    expect(rows.length).toBeGreaterThan(0);
  });
});
