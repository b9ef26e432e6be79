// The dashboard's script, a file of its own so the page's Content-Security-Policy allows no
// inline script (script-src 'self').
'use strict';
(function () {
  const KEY_STORE = 'risk.apiKey';
  const $ = (id) => document.getElementById(id);
  const state = {
    key: null,
    portfolios: new Map(),
    selected: null,
    series: [[], []],
    plot: null,
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
    const rows = [...state.portfolios.values()].sort((a, b) => a.id.localeCompare(b.id));
    $('no-portfolios').hidden = rows.length > 0;
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
      list.appendChild(li);
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
        scales: { x: { time: true }, y: { range: [0, 1] } },
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
  window.addEventListener(
    'resize',
    () => state.plot && state.plot.setSize({ width: chartWidth(), height: 220 }),
  );

  state.key = sessionStorage.getItem(KEY_STORE);
  if (state.key) open().catch((e) => console.error(e));
  else showKeyForm('');
})();
