// The dashboard's script, a file of its own so the page's Content-Security-Policy allows no
// inline script (script-src 'self').
'use strict';
(function () {
  const KEY_STORE = 'risk.apiKey';
  const LEVEL_RANK = { CRITICAL: 3, HIGH: 2, MEDIUM: 1, LOW: 0 };
  const $ = (id) => document.getElementById(id);
  const state = {
    key: null,
    portfolios: new Map(),
    selected: null,
    series: [[], []],
    plot: null,
    backtestPlot: null,
    source: null,
  };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function levelBadge(level) {
    return el('span', 'level level-' + (level || 'none'), level || '—');
  }
  function fmtTime(iso) {
    return iso ? new Date(iso).toLocaleTimeString() : '—';
  }

  async function api(path) {
    const res = await fetch('/api/v1' + path, {
      headers: { Authorization: 'Bearer ' + state.key },
    });
    if (res.status === 401) {
      forgetKey('That API key was refused.');
      throw new Error('unauthorized');
    }
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return res.json();
  }

  function showKeyForm(message) {
    $('board').hidden = true;
    $('forget-key').hidden = true;
    $('key-form').hidden = false;
    $('key-error').textContent = message || '';
    $('api-key').focus();
  }
  function forgetKey(message) {
    sessionStorage.removeItem(KEY_STORE);
    state.key = null;
    if (state.source) state.source.close();
    state.source = null;
    setLive(false);
    showKeyForm(message);
  }
  function setLive(on) {
    $('live').textContent = on ? 'live' : 'offline';
    $('live').className = 'live ' + (on ? 'on' : 'off');
  }

  function renderPortfolios() {
    const body = document.querySelector('#portfolios tbody');
    body.replaceChildren();
    // Riskiest first: level, then score, then name.
    const all = [...state.portfolios.values()].sort(
      (a, b) =>
        (LEVEL_RANK[b.level] ?? -1) - (LEVEL_RANK[a.level] ?? -1) ||
        (b.score ?? -1) - (a.score ?? -1) ||
        a.id.localeCompare(b.id),
    );
    const search = $('search').value.trim().toLowerCase();
    const level = $('level-filter').value;
    const rows = all.filter(
      (p) => (!level || p.level === level) && (!search || p.id.toLowerCase().includes(search)),
    );
    $('no-portfolios').hidden = all.length > 0;
    $('no-match').hidden = all.length === 0 || rows.length > 0;
    for (const p of rows) {
      const tr = el('tr');
      tr.dataset.portfolio = p.id;
      if (p.id === state.selected) tr.className = 'selected';
      const level = el('td');
      level.appendChild(levelBadge(p.level));
      tr.append(
        el('td', 'pid', p.id),
        level,
        el('td', '', p.score == null ? '—' : p.score.toFixed(3)),
        el('td', '', fmtTime(p.evaluatedAt)),
      );
      tr.addEventListener('click', () => select(p.id));
      body.appendChild(tr);
    }
  }

  function renderEvaluation(e) {
    const meta = $('evaluation-meta');
    meta.replaceChildren();
    meta.append(
      levelBadge(e.level),
      ' score ' +
        e.score.toFixed(3) +
        ' at ' +
        new Date(e.ts).toLocaleString() +
        ' — trigger ' +
        e.trigger.topic +
        ' ' +
        e.trigger.eventId,
    );
    const list = $('explanation');
    list.replaceChildren();
    for (const step of e.explanation.steps) {
      const li = el('li');
      li.append(el('span', 'kind', step.kind), el('span', 'text', step.text));
      const path = step.kind === 'relation' && step.data ? step.data.path : null;
      if (Array.isArray(path) && path.length > 0) li.append(el('div', 'path', pathLine(path)));
      list.appendChild(li);
    }
  }

  // How a story reached the holding, edge by edge: "KESTREL → supplier of 40% → HARROW".
  function pathLine(path) {
    return path
      .map(
        (p) =>
          p.from +
          ' → ' +
          String(p.kind).replace(/_/g, ' ') +
          ' ' +
          Math.round(Number(p.weight) * 100) +
          '% → ' +
          p.to,
      )
      .join('  ·  ');
  }

  // One point (or several at one instant) would make uPlot span years: show an hour around it.
  function timeRange(u, min, max) {
    return min === max || min == null ? [(min ?? 0) - 1800, (max ?? 0) + 1800] : [min, max];
  }
  function money(u, values) {
    return values.map((v) =>
      v == null
        ? ''
        : Math.abs(v) >= 1e6
          ? (v / 1e6).toFixed(1) + 'M'
          : Math.abs(v) >= 1e3
            ? (v / 1e3).toFixed(0) + 'k'
            : v.toFixed(0),
    );
  }
  async function loadBacktest(id) {
    const b = await api('/portfolios/' + encodeURIComponent(id) + '/var-backtest?days=250');
    if (state.selected !== id) return;
    const zone = $('backtest-zone');
    // No observation yet is not a verdict: no zone badge.
    zone.className = b.observations === 0 ? '' : 'zone zone-' + b.zone;
    zone.textContent = b.observations === 0 ? '' : b.zone;
    $('backtest-summary').textContent =
      b.observations === 0
        ? 'No daily history yet: a forecast is judged against the next day.'
        : b.exceptions +
          ' exceptions in ' +
          b.observations +
          ' days (' +
          b.expectedExceptions.toFixed(2) +
          ' expected); Kupiec p ' +
          b.kupiec.pValue.toFixed(3) +
          ', Christoffersen p ' +
          b.christoffersen.pValue.toFixed(3);
    if (state.backtestPlot) state.backtestPlot.destroy();
    state.backtestPlot = null;
    if (b.observations === 0) return;
    const x = b.series.map((o) => Date.parse(o.pnlDate + 'T00:00:00Z') / 1000);
    state.backtestPlot = new uPlot(
      {
        width: chartWidth(),
        height: 200,
        scales: { x: { time: true, range: (u, min, max) => timeRange(u, min, max) } },
        series: [
          {},
          { label: 'P&L', stroke: '#4da3ff', width: 1, points: { show: true, size: 3 } },
          { label: '−VaR99', stroke: '#ff6b6b', width: 1.5, dash: [6, 3] },
          {
            label: 'exception',
            stroke: '#ff6b6b',
            width: 0,
            paths: () => null,
            points: { show: true, size: 8, fill: '#ff6b6b' },
          },
        ],
        axes: [
          { stroke: '#8b98a5', grid: { stroke: '#2a3540' } },
          { stroke: '#8b98a5', grid: { stroke: '#2a3540' }, values: money, size: 56 },
        ],
      },
      [
        x,
        b.series.map((o) => o.pnl),
        b.series.map((o) => -o.var99),
        b.series.map((o) => (o.exception ? o.pnl : null)),
      ],
      $('backtest-chart'),
    );
  }

  const pct = (x) => (x == null ? '—' : (x * 100).toFixed(1) + '%');
  async function loadModelQuality() {
    const q = await api('/model-quality?window=24h');
    $('model-quality-summary').textContent =
      q.resolved === 0
        ? 'No realized outcome yet (a score is judged 10 minutes after it).'
        : 'Last 24 h: ' +
          q.resolved +
          ' outcomes (' +
          q.positives +
          ' losses > 2% in 10 min); Brier ' +
          (q.brier == null ? '—' : q.brier.toFixed(4)) +
          ', AUC ' +
          (q.auc == null ? '—' : q.auc.toFixed(3));
    const drift = $('model-drift');
    drift.textContent = q.drift.drifting ? 'calibration drift' : '';
    drift.className = q.drift.drifting ? 'zone zone-red' : '';
    const body = document.querySelector('#model-quality-bands tbody');
    body.replaceChildren();
    for (const b of q.bands) {
      const tr = el('tr');
      tr.append(
        el('td', '', b.band),
        el('td', '', String(b.count)),
        el('td', '', pct(b.meanScore)),
        el('td', '', pct(b.observedRate)),
      );
      body.appendChild(tr);
    }
  }

  function chartWidth() {
    return Math.max(300, $('chart').clientWidth || 600);
  }
  function drawChart() {
    const target = $('chart');
    if (state.plot) state.plot.destroy();
    state.plot = new uPlot(
      {
        width: chartWidth(),
        height: 220,
        scales: { x: { time: true, range: timeRange }, y: { range: [0, 1] } },
        series: [
          {},
          { label: 'score', stroke: '#4da3ff', width: 2, points: { show: true, size: 4 } },
        ],
        axes: [
          { stroke: '#8b98a5', grid: { stroke: '#2a3540' } },
          { stroke: '#8b98a5', grid: { stroke: '#2a3540' } },
        ],
      },
      state.series,
      target,
    );
  }

  async function select(id) {
    state.selected = id;
    $('selected-portfolio').textContent = '— ' + id;
    renderPortfolios();
    const page = await api('/portfolios/' + encodeURIComponent(id) + '/evaluations?limit=500');
    const items = page.items.slice().reverse();
    state.series = [items.map((e) => Date.parse(e.ts) / 1000), items.map((e) => e.score)];
    drawChart();
    const latest = page.items[0];
    if (latest) renderEvaluation(await api('/evaluations/' + latest.id));
    await loadBacktest(id);
  }

  function addAlert(a, atTop) {
    if (document.querySelector('#alerts li[data-alert-id="' + a.id + '"]')) return;
    const li = el('li', 'alert');
    li.dataset.alertId = a.id;
    li.append(
      levelBadge(a.level),
      ' ',
      el('strong', 'pid', a.portfolioId),
      ' ' + fmtTime(a.ts) + ' — ' + a.reason + ' ',
    );
    if (a.incidentId) li.append(el('span', 'incident', 'incident ' + a.incidentId));
    const list = $('alerts');
    if (atTop) list.prepend(li);
    else list.appendChild(li);
    while (list.children.length > 200) list.lastChild.remove();
  }

  function onEvaluation(e) {
    state.portfolios.set(e.portfolioId, {
      id: e.portfolioId,
      level: e.level,
      score: e.score,
      evaluatedAt: e.ts,
      lastEvaluationId: e.id,
    });
    if (state.selected === null) {
      void select(e.portfolioId);
      return;
    }
    renderPortfolios();
    if (e.portfolioId === state.selected) {
      state.series[0].push(Date.parse(e.ts) / 1000);
      state.series[1].push(e.score);
      if (state.plot) state.plot.setData(state.series);
      renderEvaluation(e);
    }
  }

  function connect() {
    if (state.source) state.source.close();
    const source = new EventSource('/api/v1/stream?access_token=' + encodeURIComponent(state.key));
    state.source = source;
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(source.readyState === EventSource.OPEN);
    source.addEventListener('evaluation', (m) => onEvaluation(JSON.parse(m.data)));
    source.addEventListener('alert', (m) => addAlert(JSON.parse(m.data), true));
    // Resumed from an id past the stream's retention: reload the lists, then go live.
    source.addEventListener('gap', () => void open());
  }

  async function open() {
    $('key-form').hidden = true;
    $('board').hidden = false;
    $('forget-key').hidden = false;
    state.portfolios.clear();
    $('alerts').replaceChildren();
    // The stream opens first, so nothing committed while the lists load is missed; a
    // listed row only replaces a streamed one that is older.
    connect();
    const [list, alerts] = await Promise.all([api('/portfolios'), api('/alerts?limit=50')]);
    for (const p of list.items) {
      const seen = state.portfolios.get(p.id);
      if (!seen || (p.evaluatedAt && p.evaluatedAt > seen.evaluatedAt))
        state.portfolios.set(p.id, p);
    }
    renderPortfolios();
    for (const a of alerts.items) addAlert(a, false);
    loadModelQuality().catch((e) => console.error(e));
    if (!state.qualityTimer)
      state.qualityTimer = setInterval(
        () => state.key && loadModelQuality().catch((e) => console.error(e)),
        60000,
      );
    const first = list.items.find((p) => p.lastEvaluationId);
    if (first && state.selected === null) await select(first.id);
  }

  $('key-entry').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) return;
    state.key = key;
    sessionStorage.setItem(KEY_STORE, key);
    $('api-key').value = '';
    open().catch((e) => console.error(e));
  });
  $('forget-key').addEventListener('click', () => forgetKey(''));
  $('search').addEventListener('input', renderPortfolios);
  $('level-filter').addEventListener('change', renderPortfolios);
  window.addEventListener(
    'resize',
    () => state.plot && state.plot.setSize({ width: chartWidth(), height: 220 }),
  );

  // `npm run demo` links to /#key=<key>: take it into this tab's storage and out of the
  // address bar (and so out of history and screenshots).
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromLink) {
    sessionStorage.setItem(KEY_STORE, fromLink);
    history.replaceState(null, '', location.pathname + location.search);
  }
  state.key = sessionStorage.getItem(KEY_STORE);
  if (state.key) open().catch((e) => console.error(e));
  else showKeyForm('');
})();
