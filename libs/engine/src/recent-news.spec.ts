import type { NewsEvent } from '@risk/contracts';
import { RecentNews, newerNews, replayPlan } from './recent-news';

const T0 = Date.parse('2026-11-30T09:00:00.000Z');
const news = (id: string, atMin: number, symbols: string[] = ['AAA']): NewsEvent => ({
  id,
  ts: new Date(T0 + atMin * 60_000).toISOString(),
  headline: `headline ${id}`,
  symbols,
});
const ids = (r: RecentNews) => r.list().map((i) => i.news.id);

describe('RecentNews', () => {
  it('keeps the last maxItems items passed, in the order passed', () => {
    const r = new RecentNews(3, 0);
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) r.add('news', news(id, i));
    expect(ids(r)).toEqual(['c', 'd', 'e']);
    expect(r.size).toBe(3);
  });

  it('keeps nothing when maxItems is 0', () => {
    const r = new RecentNews(0, 60_000);
    r.add('news', news('a', 0));
    expect(r.size).toBe(0);
  });

  it('keeps an item passed again (a redelivery) once', () => {
    const r = new RecentNews(10, 0);
    r.add('news', news('a', 0));
    r.add('news', news('b', 1));
    r.add('news', news('a', 0));
    expect(ids(r)).toEqual(['a', 'b']);
    // The same id on another topic is another item.
    r.add('other', news('a', 0));
    expect(r.size).toBe(3);
  });

  it('drops items older than the window behind the newest seen, in event time', () => {
    const r = new RecentNews(100, 10 * 60_000);
    r.add('news', news('a', 0));
    r.add('news', news('b', 5));
    r.add('news', news('c', 12)); // a is now 12 min behind: out
    expect(ids(r)).toEqual(['b', 'c']);
    r.add('news', news('late', 1)); // older than the window already: not kept
    expect(ids(r)).toEqual(['b', 'c']);
    r.add('news', news('d', 8)); // out of order but inside the window
    expect(ids(r)).toEqual(['b', 'c', 'd']);
  });

  it('an item evicted may be added again (its id is forgotten with it)', () => {
    const r = new RecentNews(1, 0);
    r.add('news', news('a', 0));
    r.add('news', news('b', 1));
    r.add('news', news('a', 0));
    expect(ids(r)).toEqual(['a']);
  });
});

describe('replayPlan', () => {
  const holdings: Record<string, string[]> = {
    AAA: ['p1', 'p2', 'p3'],
    BBB: ['p2'],
    CCC: ['p3'],
  };
  const holdersOf = (n: { symbols: readonly string[] }) =>
    [...new Set(n.symbols.flatMap((s) => holdings[s] ?? []))].sort();
  const recent = () => {
    const r = new RecentNews(100, 0);
    r.add('news', news('n3', 3, ['CCC']));
    r.add('news', news('n1', 1, ['AAA']));
    r.add('news', news('n2', 2, ['BBB', 'AAA']));
    r.add('news', news('n4', 4, ['ZZZ']));
    return r.list();
  };

  it('pairs each item about a held symbol with the adopted holders only, in event-time order', () => {
    const plan = replayPlan(recent(), new Set(['p2', 'p3']), holdersOf);
    expect(plan.map((p) => [p.item.news.id, p.portfolioIds])).toEqual([
      ['n1', ['p2', 'p3']],
      ['n2', ['p2', 'p3']],
      ['n3', ['p3']],
    ]);
  });

  it('is empty without adopted portfolios or when none holds a symbol of an item', () => {
    expect(replayPlan(recent(), new Set(), holdersOf)).toEqual([]);
    expect(replayPlan(recent(), new Set(['p9']), holdersOf)).toEqual([]);
  });

  it('keeps the order passed for items of equal event time', () => {
    const r = new RecentNews(100, 0);
    r.add('news', news('x', 1));
    r.add('news', news('y', 1));
    r.add('news', news('w', 1));
    expect(replayPlan(r.list(), new Set(['p1']), holdersOf).map((p) => p.item.news.id)).toEqual([
      'x',
      'y',
      'w',
    ]);
  });
});

describe('newerNews', () => {
  it('keeps the newer judgement in event time', () => {
    const old = { tsMs: 1, id: 'old' };
    const recent = { tsMs: 2, id: 'new' };
    expect(newerNews(undefined, old)).toBe(old);
    expect(newerNews(old, undefined)).toBe(old);
    expect(newerNews(old, recent)).toBe(recent);
    expect(newerNews(recent, old)).toBe(recent);
    expect(newerNews(undefined, undefined)).toBeUndefined();
  });
});
