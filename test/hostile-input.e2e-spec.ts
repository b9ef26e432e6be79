import { CompressionTypes } from 'kafkajs';
import {
  DEAD_LETTER_MAX_BYTES,
  DecodeErrorCode,
  serializedBytes,
  type DeadLetter,
} from '@risk/contracts';

import { json, positionsMessage, produce, query, tickMessage, waitFor } from './support/harness';
import { useRunningService } from './support/running-service';

/**
 * Input that used to stop the service for good: a far-future tick (froze its symbol), a NUL in
 * a headline (retried for ever by the engine), and dead letters over the broker's limit
 * (crashed ingest). Each is dead-lettered with its reason and what follows is handled.
 */
describe('hostile input', () => {
  const svc = useRunningService('hostile', {
    partitions: 1,
    listen: false,
    read: ['evaluations', 'dlq'],
    // One minute, not the default five: the reference data case shows the setting reaches it.
    env: { REASONING_ENABLED: 'false', MAX_CLOCK_SKEW_MS: '60000' },
  });
  const letters = () => svc.readers.dlq!.values<DeadLetter>();
  const now = () => new Date().toISOString();

  beforeAll(async () => {
    await produce(svc.kafka, svc.topics.positions, [
      positionsMessage({
        portfolioId: 'pf-h',
        cash: 0,
        ts: now(),
        positions: [
          { symbol: 'AAPL', quantity: 10, price: 100 },
          { symbol: 'ACME', quantity: 10, price: 100 },
        ],
      }),
    ]);
    await svc.readers.evaluations!.waitForCount(1, 60_000);
  });

  it('dead-letters a tick dated past MAX_CLOCK_SKEW_MS and applies the next real one', async () => {
    await produce(svc.kafka, svc.topics.ticks, [
      tickMessage({ id: 't-far', symbol: 'AAPL', price: 1, ts: '9999-12-31T23:59:59.000Z' }),
      tickMessage({ id: 't-real', symbol: 'AAPL', price: 200, ts: now() }),
    ]);
    const [letter] = (await svc.readers.dlq!.waitForCount(1, 60_000, (l) =>
      String(l.value).includes('t-far'),
    )) as unknown as DeadLetter[];
    expect(letter.errorCode).toBe(DecodeErrorCode.FutureTime);
    expect(letter.error).toMatch(/ahead of the service clock/);
    // nav = 10 × 200 + 10 × 100 = 3,000 (with the far tick applied it would stay at 10 × 1 + …).
    const [ev] = await svc.readers.evaluations!.waitForCount(
      1,
      60_000,
      (e) => (e.trigger as { eventId: string }).eventId === 't-real',
    );
    expect((ev.metrics as { nav: number }).nav).toBeCloseTo(3000, 6);
  });

  it('dead-letters a headline with a NUL character and evaluates the next news item', async () => {
    const news = (id: string, headline: string) =>
      json(id, { id, ts: now(), headline, symbols: ['ACME'] });
    await produce(svc.kafka, svc.topics.news, [
      news('n-nul', 'ACME\u0000 probe'),
      news('n-lone', 'ACME \ud800 probe'),
      news('n-ok', 'ACME probe widens'),
    ]);
    const bad = (await svc.readers.dlq!.waitForCount(2, 60_000, (l) =>
      /n-nul|n-lone/.test(String(l.value)),
    )) as unknown as DeadLetter[];
    for (const l of bad) expect(l.error).toMatch(/NUL characters or lone surrogates/);
    await svc.readers.evaluations!.waitForCount(
      1,
      60_000,
      (e) => (e.trigger as { eventId: string }).eventId === 'n-ok',
    );
  });

  it('applies MAX_CLOCK_SKEW_MS to reference data too', async () => {
    const instrument = (symbol: string, aheadMs: number) =>
      json(symbol, {
        id: `i-${symbol}`,
        ts: new Date(Date.now() + aheadMs).toISOString(),
        symbol,
        name: `${symbol} Corp`,
        issuer: symbol,
        type: 'equity',
      });
    // Three minutes ahead: within the default skew, beyond the one configured here.
    await produce(svc.kafka, svc.topics.instruments, [
      instrument('FAR', 180_000),
      instrument('NEAR', 0),
    ]);
    const [letter] = (await svc.readers.dlq!.waitForCount(1, 60_000, (l) =>
      String(l.value).includes('i-FAR'),
    )) as unknown as DeadLetter[];
    expect(letter.error).toMatch(/ahead of the service clock \(at most 60000\)/);
    const stored = () =>
      query<{ symbol: string }>(svc.cfg.databaseUrl, 'SELECT symbol FROM instruments ORDER BY 1');
    await waitFor(async () => (await stored()).length > 0, 60_000, 'NEAR stored');
    expect(await stored()).toEqual([{ symbol: 'NEAR' }]);
  });

  it('cuts oversized dead letters and splits their sends, then goes on', async () => {
    const before = letters().length;
    // Six 200 KiB values of control bytes in one (gzip: the broker takes it) batch: escaped,
    // each letter would be 1.23 MB, and all six 7.4 MB in one send.
    const p = svc.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    await p.send({
      topic: svc.topics.ticks,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 6 }, () => ({
        key: 'AAPL',
        value: Buffer.alloc(200 * 1024, 0x01),
      })),
    });
    await p.disconnect();
    await produce(svc.kafka, svc.topics.ticks, [{ key: 'AAPL', value: 'after' }]);
    const all = (await svc.readers.dlq!.waitForCount(
      before + 7,
      90_000,
    )) as unknown as DeadLetter[];
    const big = all.slice(before).filter((l) => l.truncated);
    expect(big).toHaveLength(6);
    for (const l of big) {
      expect(serializedBytes(l)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
      expect(l.value!.length).toBeGreaterThan(100_000);
    }
    expect(all.slice(before).some((l) => l.value === 'after')).toBe(true);
  });
});
