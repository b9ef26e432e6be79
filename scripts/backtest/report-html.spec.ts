import { backtestVar } from '@risk/backtest';
import { renderDeskReport } from './report-html';

describe('renderDeskReport', () => {
  const result = backtestVar([
    { date: '2026-03-02', pnlDate: '2026-03-03', var99: 20, es99: 23, pnl: -40, exception: true },
    { date: '2026-03-03', pnlDate: '2026-03-04', var99: 20, es99: 23, pnl: 5, exception: false },
  ]);
  const html = renderDeskReport({
    desk: 'equities',
    source: 'test',
    books: [{ portfolioId: 'pf-<x>', result }],
  });

  it('is self-contained: uPlot inlined, nothing fetched', () => {
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
  });

  it('lists every book with its zone and escapes names', () => {
    expect(html).toContain('pf-&#60;x&#62;');
    expect(html).not.toContain('pf-<x>');
    // 2 observations, 1 exception: red (P(X ≤ 0) = 0.9801 ≥ 95%, P(X ≤ 1) = 0.9999 ≥ 99.99%)
    expect(html).toMatch(/>red</);
  });
});
