import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VarBacktest } from '@risk/backtest';

export interface BookReport {
  portfolioId: string;
  result: VarBacktest;
}

export interface DeskReport {
  desk: string;
  books: BookReport[];
  /** Where the history came from, for the page's header. */
  source: string;
}

const ZONE_COLOURS = { green: '#2e7d32', yellow: '#f9a825', red: '#c62828' } as const;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** uPlot's script and stylesheet, inlined so the report is one file that opens anywhere. */
function uplotAssets(): { js: string; css: string } {
  const dist = join(require.resolve('uplot'), '..');
  return {
    js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
}

/** What the page's script draws for one book: columns for uPlot (x in epoch seconds). */
function chartData(b: BookReport) {
  const s = b.result.series;
  let cumulative = 0;
  return {
    id: b.portfolioId,
    x: s.map((o) => Date.parse(`${o.pnlDate}T00:00:00Z`) / 1000),
    pnl: s.map((o) => o.pnl),
    negVar: s.map((o) => -o.var99),
    exceptions: s.map((o) => (o.exception ? o.pnl : null)),
    cumulative: s.map((o) => (cumulative += o.exception ? 1 : 0)),
    expected: s.map((_, i) => (i + 1) * 0.01),
  };
}

function fmt(x: number | null, digits = 3): string {
  return x === null ? '−∞' : x.toFixed(digits);
}

/**
 * A self-contained HTML report of one desk's VaR backtests: the zone of every book, then for each
 * book its P&L against −VaR with exceptions marked and its exceptions over time.
 */
export function renderDeskReport(r: DeskReport, opts: { only?: string } = {}): string {
  const { js, css } = uplotAssets();
  const books = opts.only ? r.books.filter((b) => b.portfolioId === opts.only) : r.books;
  const rows = r.books
    .map((b) => {
      const x = b.result;
      return `<tr><td>${escapeHtml(b.portfolioId)}</td><td>${x.observations}</td><td>${x.exceptions}</td>
<td>${x.expectedExceptions.toFixed(2)}</td><td class="zone" style="background:${ZONE_COLOURS[x.zone]}">${x.zone}</td>
<td>${fmt(x.kupiec.pValue)}</td><td>${fmt(x.christoffersen.pValue)}</td>
<td>${fmt(x.esBacktest.z2, 2)} <span class="zone-dot" style="background:${ZONE_COLOURS[x.esBacktest.zone]}"></span></td></tr>`;
    })
    .join('\n');
  const sections = books
    .map(
      (
        b,
      ) => `<section><h2>${escapeHtml(b.portfolioId)} <span class="zone" style="background:${ZONE_COLOURS[b.result.zone]}">${b.result.zone}</span></h2>
<p>${b.result.exceptions} exceptions in ${b.result.observations} days (${b.result.expectedExceptions.toFixed(2)} expected at 99%)</p>
<div class="chart" id="pnl-${escapeHtml(b.portfolioId)}"></div>
<div class="chart" id="exc-${escapeHtml(b.portfolioId)}"></div></section>`,
    )
    .join('\n');
  const data = JSON.stringify(books.map(chartData)).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VaR backtest — ${escapeHtml(r.desk)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222;background:#fff}
table{border-collapse:collapse;margin:12px 0 24px}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}.zone{color:#fff;padding:2px 8px;border-radius:3px;font-weight:600}
.zone-dot{display:inline-block;width:10px;height:10px;border-radius:5px}section{margin-bottom:28px}
.chart{margin:8px 0}h2{font-size:18px;margin:8px 0}</style></head>
<body><h1>VaR backtest — desk ${escapeHtml(r.desk)}</h1>
<p>${escapeHtml(r.source)}. Each day's one-day 99% VaR against the next day's P&amp;L at unchanged
positions; Basel traffic light by the binomial cumulative probability (green &lt; 95%, yellow
&lt; 99.99%); Kupiec and Christoffersen p-values; Acerbi–Székely Z2 for the expected shortfall
(docs/risk-methodology.md § 12).</p>
<table><thead><tr><th>book</th><th>days</th><th>exceptions</th><th>expected</th><th>zone</th>
<th>Kupiec p</th><th>Christoffersen p</th><th>ES Z2</th></tr></thead><tbody>
${rows}
</tbody></table>
${sections}
<script>${js}</script>
<script>
const books = ${data};
const width = Math.min(1100, document.body.clientWidth - 20);
const money = (u, v) => v.map((x) => x == null ? '' : Math.abs(x) >= 1e6 ? (x / 1e6).toFixed(1) + 'M' : Math.abs(x) >= 1e3 ? (x / 1e3).toFixed(0) + 'k' : x.toFixed(0));
for (const b of books) {
  new uPlot({
    title: b.id + ': next-day P&L against −VaR99', width, height: 300,
    scales: { x: { time: true } },
    axes: [{}, { values: money, size: 60 }],
    series: [{},
      { label: 'P&L', stroke: '#1565c0', width: 1, points: { show: true, size: 3 } },
      { label: '−VaR99', stroke: '#c62828', width: 1.5, dash: [6, 3], points: { show: false } },
      { label: 'exception', stroke: '#c62828', width: 0, paths: () => null, points: { show: true, size: 9, fill: '#c62828' } }],
  }, [b.x, b.pnl, b.negVar, b.exceptions], document.getElementById('pnl-' + b.id));
  new uPlot({
    title: b.id + ': exceptions over time', width, height: 200,
    scales: { x: { time: true } },
    series: [{},
      { label: 'exceptions (cumulative)', stroke: '#c62828', width: 2 },
      { label: 'expected at 99%', stroke: '#777', dash: [4, 4], width: 1 }],
  }, [b.x, b.cumulative, b.expected], document.getElementById('exc-' + b.id));
}
document.body.dataset.ready = 'true';
</script></body></html>
`;
}
