import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  BROKER_MESSAGE_MAX_BYTES,
  DEFAULT_SEND_BUDGET_BYTES,
  RECORD_BATCH_OVERHEAD_BYTES,
  gzipBound,
  recordBytes,
  sendBudget,
  splitIntoSends,
  type SizedMessage,
} from './outbox-batches';

const msg = (
  partition: number,
  payloadBytes: number,
  topic = 'risk.evaluations',
): SizedMessage => ({
  topic,
  partition,
  key: 'pf-1',
  payload: 'x'.repeat(payloadBytes),
  headers: { 'outbox-id': '123' },
});

/** Bytes of each (topic, partition) batch in one send, with the batch header. */
function batchBytes(send: readonly SizedMessage[]): number[] {
  const by = new Map<string, number>();
  for (const m of send) {
    const k = `${m.topic}/${m.partition}`;
    by.set(k, (by.get(k) ?? RECORD_BATCH_OVERHEAD_BYTES) + recordBytes(m));
  }
  return [...by.values()];
}

describe('recordBytes', () => {
  it('counts key, value, headers and the varint framing', () => {
    // 32 framing + 4 key + 10 value + (10 + 9 + 3) header
    expect(recordBytes(msg(0, 10))).toBe(32 + 4 + 10 + 22);
  });

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    expect(recordBytes({ ...msg(0, 0), payload: 'é€' })).toBe(32 + 4 + 5 + 22);
  });
});

describe('splitIntoSends', () => {
  it('keeps a small batch in one send', () => {
    const all = [msg(0, 100), msg(1, 100), msg(0, 100)];
    expect(splitIntoSends(all)).toEqual([all]);
  });

  it('splits 111 evaluations of ~9.5 kB on one partition (1,057,162 bytes) into two sends', () => {
    const all = Array.from({ length: 111 }, () => msg(0, 9524 - 68));
    expect(all.reduce((s, m) => s + recordBytes(m), 0)).toBeGreaterThan(BROKER_MESSAGE_MAX_BYTES);
    const sends = splitIntoSends(all);
    expect(sends.length).toBe(2);
    expect(sends.flat()).toEqual(all);
    for (const s of sends) for (const b of batchBytes(s)) expect(b).toBeLessThanOrEqual(1_000_000);
  });

  it('keeps per-partition order and every message once, under the budget', () => {
    const sizes = [300, 500, 200, 450, 100, 600, 50, 380, 220];
    const all = sizes.map((n, i) => ({ ...msg(i % 3, n), key: `k${i}` }));
    const budget = RECORD_BATCH_OVERHEAD_BYTES + 1000;
    const sends = splitIntoSends(all, budget);
    expect(sends.flat()).toEqual(all);
    for (const s of sends) for (const b of batchBytes(s)) expect(b).toBeLessThanOrEqual(budget);
    // Partitions fill independently: 3 messages of ~370 bytes fit a partition's 1000-byte room.
    expect(sends.length).toBeLessThan(all.length);
  });

  it('counts the same partition number of two topics apart', () => {
    const all = [msg(0, 600, 'a'), msg(0, 600, 'b')];
    expect(splitIntoSends(all, RECORD_BATCH_OVERHEAD_BYTES + 700)).toEqual([all]);
  });

  it('sends a message larger than the budget alone', () => {
    const all = [msg(0, 10), msg(0, 2000), msg(0, 10)];
    expect(splitIntoSends(all, 1000)).toEqual([[all[0]], [all[1]], [all[2]]]);
  });

  it('returns no send for no message', () => {
    expect(splitIntoSends([])).toEqual([]);
  });
});

describe('gzipBound and sendBudget', () => {
  it('bound what zlib makes of bytes that do not compress, tightly', () => {
    for (const n of [0, 1, 100, 16_384, 65_536, 999_939, 2_000_000]) {
      const bytes = randomBytes(n);
      for (const level of [1, 6, 9]) {
        const out = gzipSync(bytes, { level }).length;
        expect(out).toBeGreaterThan(n); // incompressible input really grows...
        expect(out).toBeLessThanOrEqual(gzipBound(n)); // ...but never past the bound
        expect(gzipBound(n) - out).toBeLessThan(64 + n / 4096);
      }
    }
  });

  it('leave the budget alone uncompressed, and gzip room for its worst case', () => {
    expect(sendBudget(DEFAULT_SEND_BUDGET_BYTES, 'none')).toBe(DEFAULT_SEND_BUDGET_BYTES);
    const budget = sendBudget(DEFAULT_SEND_BUDGET_BYTES, 'gzip');
    expect(budget).toBe(1_000_000 - 339);
    expect(gzipBound(budget)).toBeLessThanOrEqual(DEFAULT_SEND_BUDGET_BYTES);
  });

  it('keep a gzip batch of random payloads under the budget once compressed', () => {
    // Incompressible payloads as large as the split allows: the compressed records and the
    // batch header must still fit the uncompressed budget.
    const messages = Array.from({ length: 40 }, () => ({
      topic: 'risk.evaluations',
      partition: 0,
      key: 'pf-1',
      payload: randomBytes(30_000).toString('latin1'),
      headers: { 'outbox-id': '123' },
    }));
    const sends = splitIntoSends(messages, sendBudget(DEFAULT_SEND_BUDGET_BYTES, 'gzip'));
    expect(sends.length).toBeGreaterThan(1);
    for (const send of sends) {
      const records = Buffer.concat(send.map((m) => Buffer.from(m.payload)));
      const compressed = RECORD_BATCH_OVERHEAD_BYTES + gzipSync(records).length;
      expect(compressed).toBeLessThanOrEqual(DEFAULT_SEND_BUDGET_BYTES);
    }
  });
});
