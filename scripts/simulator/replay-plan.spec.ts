import { simulateMarket } from './market-simulator';
import {
  defaultRunTag,
  dueAtMs,
  eventTimes,
  loopTransform,
  parseStreamJsonl,
  priceDriftFactors,
  streamSpan,
  suffixId,
  transformRecord,
  type ReplayRecord,
} from './replay-plan';

const tick = (id: string, symbol: string, price: number, ts: string): ReplayRecord => ({
  topic: 'market.ticks',
  key: symbol,
  value: { id, symbol, price, ts, volume: 100 },
});
const news = (id: string, ts: string): ReplayRecord => ({
  topic: 'news.events',
  key: id,
  value: { id, ts, headline: 'ACME recalls widgets', symbols: ['ACME'], source: 'wire' },
});
const snapshot = (id: string, ts: string): ReplayRecord => ({
  topic: 'portfolio.positions',
  key: 'pf-a',
  value: {
    id,
    portfolioId: 'pf-a',
    ts,
    baseCurrency: 'USD',
    cash: 1000,
    positions: [{ symbol: 'ACME', quantity: 10, price: 100 }],
  },
});

const stream: ReplayRecord[] = [
  snapshot('p-0', '2026-11-30T09:30:00.000Z'),
  tick('t-1', 'ACME', 100, '2026-11-30T09:30:00.200Z'),
  news('n-1', '2026-11-30T09:30:01.000Z'),
  tick('t-2', 'ACME', 110, '2026-11-30T09:30:02.200Z'),
];

describe('parseStreamJsonl', () => {
  it('reads what the simulator writes, skipping blank lines', () => {
    const { records } = simulateMarket({ seed: 3, minutes: 1 });
    const text = `${records.map((r) => JSON.stringify(r)).join('\n')}\n\n`;
    expect(parseStreamJsonl(text)).toEqual(records);
  });

  it('names the line that is wrong', () => {
    expect(() => parseStreamJsonl('{"topic":"a","key":"k","value":{}}\n{oops')).toThrow(/line 2/);
    expect(() => parseStreamJsonl('{"topic":"a b","key":"k","value":{}}')).toThrow(/topic/);
    expect(() => parseStreamJsonl('{"topic":"a","key":3,"value":{}}')).toThrow(/key/);
    expect(() => parseStreamJsonl('[1]')).toThrow(/object/);
  });

  it('keeps invalid values, so a file can carry messages meant for the dead-letter topic', () => {
    const [r] = parseStreamJsonl('{"topic":"market.ticks","key":"X","value":"{not json"}');
    expect(r.value).toBe('{not json');
  });
});

describe('ids', () => {
  it('suffixes ids inside the contract pattern', () => {
    expect(suffixId('t-ACME-12', [])).toBe('t-ACME-12');
    expect(suffixId('t-ACME-12', ['l3'])).toBe('t-ACME-12:l3');
    expect(suffixId('n-1', ['rabc', 'l1'])).toBe('n-1:rabc:l1');
    expect(() => suffixId('x'.repeat(126), ['l1'])).toThrow(/128/);
  });

  it('makes a base-36 run tag from the start time', () => {
    expect(defaultRunTag(Date.parse('2026-11-30T01:00:00.000Z'))).toMatch(/^r[0-9a-z]+$/);
  });
});

describe('time and loops', () => {
  it('spans the stream and lets a record without ts inherit its predecessor time', () => {
    const withUntimed = [...stream.slice(0, 2), { topic: 'x', key: null, value: 'raw' }];
    const t = eventTimes(withUntimed);
    expect(t[2]).toBe(t[1]);
    const span = streamSpan(stream, 1000);
    expect(span.firstMs).toBe(Date.parse('2026-11-30T09:30:00.000Z'));
    expect(span.periodMs).toBe(2200 + 1000);
  });

  it('re-bases loop 0 onto now and puts each loop right after the previous', () => {
    const span = streamSpan(stream, 1000);
    const now = Date.parse('2026-12-01T12:00:00.000Z');
    const l0 = loopTransform(span, new Map(), 0, { rebaseToMs: now });
    expect(span.firstMs + l0.shiftMs).toBe(now);
    const l2 = loopTransform(span, new Map(), 2, { rebaseToMs: now });
    expect(l2.shiftMs - l0.shiftMs).toBe(2 * span.periodMs);
    const plain = loopTransform(span, new Map(), 1, {});
    expect(plain.shiftMs).toBe(span.periodMs);
  });

  it('shifts ts, suffixes ids and news keys, and keeps tick and portfolio keys', () => {
    const span = streamSpan(stream, 1000);
    const t = loopTransform(span, new Map(), 1, { runTag: 'r1' });
    const out = stream.map((r) => transformRecord(r, t));
    expect(out.map((r) => r.key)).toEqual(['pf-a', 'ACME', 'n-1:r1:l1', 'ACME']);
    expect(out.map((r) => (r.value as { id: string }).id)).toEqual([
      'p-0:r1:l1',
      't-1:r1:l1',
      'n-1:r1:l1',
      't-2:r1:l1',
    ]);
    expect((out[1].value as { ts: string }).ts).toBe('2026-11-30T09:30:03.400Z');
    // The input is left untouched.
    expect((stream[1].value as { id: string }).id).toBe('t-1');
  });

  it('continues prices across loops instead of snapping back', () => {
    const factors = priceDriftFactors(stream);
    expect(factors.get('ACME')).toBeCloseTo(1.1, 10);
    const span = streamSpan(stream, 1000);
    const l2 = loopTransform(span, factors, 2, {});
    const [p, t1] = [transformRecord(stream[0], l2), transformRecord(stream[1], l2)];
    expect((t1.value as { price: number }).price).toBe(121);
    expect((p.value as { positions: Array<{ price: number }> }).positions[0].price).toBe(121);
    const fixed = loopTransform(span, factors, 2, { continuePrices: false });
    expect((transformRecord(stream[1], fixed).value as { price: number }).price).toBe(100);
  });

  it('keeps loop 0 of a plain replay byte-identical', () => {
    const t = loopTransform(streamSpan(stream), priceDriftFactors(stream), 0, {});
    expect(stream.map((r) => transformRecord(r, t))).toEqual(stream);
  });

  it('schedules by event time divided by speed; speed 0 sends at once', () => {
    expect(dueAtMs(10_000, 0, 500, 10)).toBe(1500);
    expect(dueAtMs(10_000, 0, 500, 1)).toBe(10_500);
    expect(dueAtMs(10_000, 0, 500, 0)).toBe(500);
  });
});
