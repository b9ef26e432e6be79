import { firstOfWeekdaysBefore, recordsFromCloses, weekdays } from './replay-closes';

describe('weekdays', () => {
  it('skips weekends', () => {
    // 2026-03-05 is a Thursday
    expect(weekdays('2026-03-05', 4)).toEqual([
      '2026-03-05',
      '2026-03-06',
      '2026-03-09',
      '2026-03-10',
    ]);
  });
});

describe('firstOfWeekdaysBefore', () => {
  it('counts weekdays back from the day before', () => {
    // before Monday 2026-03-09: Fri 03-06, Thu 03-05, Wed 03-04
    expect(firstOfWeekdaysBefore('2026-03-09', 3)).toBe('2026-03-04');
    expect(weekdays(firstOfWeekdaysBefore('2026-03-09', 3), 3)).toEqual([
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
    ]);
  });
});

describe('recordsFromCloses', () => {
  it('values the fixed book at each close and carries a VaR forecast', () => {
    const records = recordsFromCloses(
      [
        { date: '2026-03-05', prices: { AAA: 100, BBB: 40 } },
        { date: '2026-03-06', prices: { AAA: 101 } },
      ],
      {
        cash: 1000,
        positions: [
          { symbol: 'AAA', quantity: 10 },
          { symbol: 'BBB', quantity: -5 },
        ],
      },
    );
    // day 1: 1,000 + 10·100 − 5·40 = 1,800; day 2 (BBB did not trade, its last price holds):
    // 1,000 + 10·101 − 5·40 = 1,810
    expect(records.map((r) => [r.date, r.nav])).toEqual([
      ['2026-03-05', 1800],
      ['2026-03-06', 1810],
    ]);
    expect(records[1].positions).toEqual([
      { symbol: 'AAA', quantity: 10, price: 101 },
      { symbol: 'BBB', quantity: -5, price: 40 },
    ]);
    // before any history every symbol carries the seed volatility: a positive forecast
    expect(records[0].var99).toBeGreaterThan(0);
    expect(records[0].es99).toBeGreaterThan(records[0].var99);
  });
});
