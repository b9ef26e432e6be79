/**
 * `npm run bench:scale`: a desk-sized load on the real broker and PostgreSQL (needs
 * `npm run infra:up`), swept over 100, 500 and 2,000 portfolios, then the largest size again
 * with a second engine instance in the same consumer group.
 *
 * The load: 5,000 symbols; portfolios of 50–300 positions (sizes from a power law, symbols
 * drawn with a popularity skew); ticks at a sustained rate (every symbol every two seconds by
 * default); 2 news items a second, each about one held symbol, with the shipped language model
 * on (every gate, as shipped); and, after the steady part, a market-wide shock: 30% of the
 * symbols move 3σ within one second, σ being the engine's own large-move scale (the move it
 * reports as |z| = 3 at the z-score's shortest horizon; docs/risk-methodology.md).
 *
 * The engine runs as its own process (`apps/risk-engine/src/main.ts`, as deployed), so its
 * resident memory and CPU time are its own; this process produces the load and watches
 * PostgreSQL for committed evaluations (stream_events, polled every 100 ms; an evaluation's
 * latency is from the moment this process produced its trigger to the poll that first saw it):
 *  - tick → evaluation: from the first tick that touched the portfolio after the previous
 *    evaluation's trigger tick (what the goal COALESCE_MS + 250 ms is about), and from the
 *    evaluation's own trigger tick (the last tick it includes);
 *  - news → evaluation: every holder's evaluation of every story, split by whether the story was
 *    produced during the shock (its first SHOCK_WINDOW_S seconds) or outside it.
 * Figures per size: those percentiles, evaluations/s, the engine's peak RSS, K/V cache hit rate
 * and evictions (its /metrics), PostgreSQL rows and bytes written (per table, scaled to an hour),
 * engine state written per flush, and the engine's CPU time per input event; the cost exponent is
 * the slope of log(CPU time per event) against log(portfolios) over the sweep.
 *
 * Env: SCALE_PORTFOLIOS (100,500,2000), SCALE_SYMBOLS (5000), SCALE_TICK_RATE (2500 ticks/s),
 * SCALE_NEWS_RATE (2 /s), SCALE_STEADY_S (30), SCALE_AFTER_S (20), SCALE_DRAIN_S (30),
 * SCALE_SECOND_INSTANCE (true), SCALE_HISTORY (true: the history API step), COALESCE_MS,
 * SCALE_METRICS_DIR (unset: where to keep each scrape of the engines' /metrics).
 * Ends with `RESULT news_lm_p99_ms=… tick_p99_ms=… evals_per_s=… rss_mb=… cost_exponent=…
 * flush_state_kb=… pg_mb_per_hour=…` (the one-instance figures at the largest size).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { allTopics, referenceTopics, topicNames, type TopicNames } from '@risk/contracts';
import { loadConfig, type AppConfig } from '@risk/platform';
import { InstrumentBook } from '@risk/risk-metrics';
import { openDatabase } from '@risk/persistence';
import { mulberry32 } from '@risk/lm-runtime/prng';
import { ensureReferenceTopics, ensureTopics } from '../scripts/infra/topics';
import { envOf, freePort, kill } from '../test/support/service-process';
import { deleteRunTopics, percentile, resultLine, round, runSettings } from './bench-support';
import { dropDatabase } from '../test/support/harness';

const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const SIZES = (process.env.SCALE_PORTFOLIOS ?? '100,500,2000').split(',').map(Number);
const SYMBOLS = num('SCALE_SYMBOLS', 5000);
const TICK_RATE = num('SCALE_TICK_RATE', 2500);
const NEWS_RATE = num('SCALE_NEWS_RATE', 2);
const STEADY_S = num('SCALE_STEADY_S', 30);
const AFTER_S = num('SCALE_AFTER_S', 20);
const DRAIN_S = num('SCALE_DRAIN_S', 30);
const SHOCK_WINDOW_S = 10;
const SHOCK_SHARE = 0.3;
const SECOND_INSTANCE = process.env.SCALE_SECOND_INSTANCE !== 'false';
const HISTORY = process.env.SCALE_HISTORY !== 'false';
const PARTITIONS = 4;
/** Per-tick log-return sd of the tape: quiet enough that the engine sees no large move in it. */
const TICK_SIGMA = 0.0003;
const MIN_POSITIONS = 50;
const MAX_POSITIONS = 300;
const POWER_LAW_ALPHA = 1.2;
const POLL_MS = 25;
const LOG_DIR = process.env.SCALE_LOG_DIR ?? tmpdir();
let stopping = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sym = (i: number) => `S${i}`;

interface Desk {
  holdings: number[][]; // portfolio → symbol indices
  holders: number[][]; // symbol → portfolio indices
  prices: Float64Array;
}

/** Sizes from a Pareto law on [50, 300]; symbols drawn with a popularity skew (u^1.6). */
function makeDesk(n: number, rand: () => number): Desk {
  const holdings: number[][] = [];
  const holders: number[][] = Array.from({ length: SYMBOLS }, () => []);
  for (let p = 0; p < n; p++) {
    const size = Math.min(
      MAX_POSITIONS,
      Math.floor(MIN_POSITIONS * Math.pow(1 - rand(), -1 / POWER_LAW_ALPHA)),
    );
    const set = new Set<number>();
    while (set.size < size) set.add(Math.floor(SYMBOLS * Math.pow(rand(), 1.6)));
    const list = [...set];
    holdings.push(list);
    for (const s of list) holders[s].push(p);
  }
  const prices = new Float64Array(SYMBOLS);
  for (let s = 0; s < SYMBOLS; s++) prices[s] = Math.round((20 + rand() * 180) * 100) / 100;
  return { holdings, holders, prices };
}

/** The log move the engine's instrument book scores as |z| = 3 (its default configuration). */
function threeSigmaMove(): number {
  const book = new InstrumentBook({});
  const t0 = Date.parse('2026-12-01T15:00:00.000Z');
  book.applyTick('X', 100, t0);
  const r = 0.01;
  const z = book.applyTick('X', 100 * Math.exp(r), t0 + 1000).zScore ?? NaN;
  return (3 * r) / Math.abs(z);
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Reads a child's /metrics: `name{labels} value` lines summed by name + matching labels. */
async function scrape(port: number): Promise<(name: string, labels?: string) => number> {
  // An engine that died answers nothing: its counters read 0 (and the run says it exited).
  const text = await fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  // SCALE_METRICS_DIR: every scrape's raw text kept, for a closer look at a run.
  if (process.env.SCALE_METRICS_DIR)
    writeFileSync(join(process.env.SCALE_METRICS_DIR, `metrics-${port}-${Date.now()}.txt`), text);
  return (name, labels = '') =>
    text
      .split('\n')
      .filter(
        (l) =>
          (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) &&
          labels.split(',').every((x) => x === '' || l.includes(x)),
      )
      .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

function procStat(pid: number): { cpuS: number; rssMb: number } {
  if (!existsSync(`/proc/${pid}/stat`)) return { cpuS: NaN, rssMb: NaN };
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, clock ticks
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuS: ticks / 100, rssMb: rssKb / 1024 };
}

interface Engine {
  child: ChildProcess;
  port: number;
}

async function startEngine(cfg: AppConfig, instanceId: string): Promise<Engine> {
  const port = await freePort();
  // As test/support's spawnApp, with node flags for profiling (SCALE_ENGINE_NODE_ARGS, e.g.
  // `--cpu-prof --cpu-prof-dir=/tmp/prof`; NODE_OPTIONS refuses --cpu-prof).
  // The engine's young generation as `npm run start:risk-engine` sets it (docs/operations.md).
  const flags = ['--max-semi-space-size=64'].concat(
    (process.env.SCALE_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean),
  );
  const child = spawn(
    process.execPath,
    [
      ...flags,
      '-r',
      'ts-node/register',
      '-r',
      'tsconfig-paths/register',
      'apps/risk-engine/src/main.ts',
    ],
    {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        ...envOf({ ...cfg, instanceId, port }),
        REASONING_ENABLED: 'true',
        TS_NODE_TRANSPILE_ONLY: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Its logs (warnings and errors at LOG_LEVEL=warn) go to a file beside the run's output.
  const log = createWriteStream(`${LOG_DIR}/scale-engine-${instanceId}.log`, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once('exit', (code, signal) => {
    if (!stopping)
      console.log(`  engine ${instanceId} exited (${code ?? signal}); see ${log.path as string}`);
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`engine ${instanceId} exited ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { child, port };
    if (Date.now() > deadline) throw new Error(`engine ${instanceId} not ready in 180 s`);
    await sleep(500);
  }
}

const TABLES = [
  'evaluations',
  'alerts',
  'outbox',
  'stream_events',
  'processed_events',
  'daily_risk',
  'portfolios',
  'engine_state',
  'engine_symbol_state',
] as const;

interface PgCounters {
  rows: Record<string, number>;
  bytes: Record<string, number>;
  stateFlushes: number;
  symbolRows: number;
}

async function pgCounters(db: Client): Promise<PgCounters> {
  // Statistics are sent at transaction end, and read from a snapshot: a fresh one each call.
  await db.query('SELECT pg_stat_clear_snapshot()');
  const r = await db.query<{ t: string; ins: string; upd: string; bytes: string }>(
    `SELECT relname AS t, n_tup_ins::text AS ins, n_tup_upd::text AS upd,
            pg_total_relation_size(relid)::text AS bytes
       FROM pg_stat_user_tables`,
  );
  const rows: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  let stateFlushes = 0;
  let symbolRows = 0;
  for (const x of r.rows) {
    // Partitions count toward their table.
    const name =
      TABLES.find(
        (n) =>
          x.t === n ||
          x.t === `${n}_default` ||
          x.t === `${n}_history` ||
          (/^\w+_p\d{6}$/.test(x.t) && x.t.startsWith(`${n}_p`)),
      ) ?? x.t;
    rows[name] = (rows[name] ?? 0) + Number(x.ins) + Number(x.upd);
    bytes[name] = (bytes[name] ?? 0) + Number(x.bytes);
    if (x.t === 'engine_state') stateFlushes = Number(x.ins) + Number(x.upd);
    if (x.t === 'engine_symbol_state') symbolRows = Number(x.ins) + Number(x.upd);
  }
  return { rows, bytes, stateFlushes, symbolRows };
}

interface RunFigures {
  portfolios: number;
  instances: number;
  positions: number;
  tickFirst: number[];
  tickFirstCalm: number[];
  tickFirstShock: number[];
  tickTrigger: number[];
  newsShock: number[];
  newsCalm: number[];
  newsUnfinished: number;
  evalsPerS: number;
  rssMb: number;
  cpuPerEventMs: number;
  /** Mean ms per one-batch story of each news stage (holders, judge, commit turn, commit). */
  newsStages: Record<string, number>;
  /** The engine's event loop delay p50, p99 and max in the window, ms (the worst instance). */
  loopLagMs: number[];
  /** Holders per story sent in the window, ascending. */
  reach: number[];
  cpuPerEvalMs: number;
  /** Engine CPU time over the window's wall time: cores the engine got. */
  cores: number;
  kvHitRate: number;
  kvEvictions: number;
  modelRuns: Record<string, number>;
  pgRowsPerHour: number;
  pgMbPerHour: number;
  perTable: Record<string, { rowsPerHour: number; mbPerHour: number }>;
  flushStateKb: number;
  flushes: number;
  backlogTicks: number;
}

async function runOnce(n: number, instances: number, kafka: Kafka): Promise<RunFigures> {
  const tag = `scale${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topics: TopicNames = topicNames(`${tag}.`);
  // The shared broker is slow at times: a metadata answer may lag the topic's creation.
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureTopics(BROKERS, allTopics(topics), PARTITIONS);
      await ensureReferenceTopics(BROKERS, referenceTopics(topics), PARTITIONS);
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
      await sleep(2000);
    }
  }
  const { dbUrl, cfg } = runSettings(tag);
  // Migrated once here, so two instances do not both wait on the migration lock at boot.
  await (await openDatabase(dbUrl.toString())).destroy();
  const engines: Engine[] = [];
  stopping = false;
  // A producer per run: one that wrote to a run's topics keeps asking for their metadata after
  // they are deleted, and fails.
  const producer: Producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false });
  await producer.connect();
  const db = new Client({ connectionString: dbUrl.toString() });
  await db.connect();
  const rand = mulberry32(1000 + n);
  const desk = makeDesk(n, rand);
  // Stories and the shock draw from their own sequences: the same stories (and shocked symbols)
  // in every run of a size, however many ticks the load generator managed to send.
  let newsRand = mulberry32(2000 + n);
  const shockRand = mulberry32(3000 + n);
  const positions = desk.holdings.reduce((s, h) => s + h.length, 0);
  let stop = false;
  let watch: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; i < instances; i++) engines.push(await startEngine(cfg, `scale-${i + 1}`));
    const started = performance.now();
    // Snapshots, then wait for every portfolio's first evaluation.
    const snapshots = desk.holdings.map((h, p) => {
      const portfolioId = `pf-${p}`;
      return {
        key: portfolioId,
        value: JSON.stringify({
          id: `snap-${portfolioId}`,
          portfolioId,
          ts: new Date().toISOString(),
          baseCurrency: 'USD',
          cash: 1_000_000,
          positions: h.map((s) => ({
            symbol: sym(s),
            quantity: 100 + ((s * 7 + p) % 900),
            price: desk.prices[s],
          })),
          limits: { maxWeight: 0.5 },
        }),
      };
    });
    for (let i = 0; i < snapshots.length; i += 200)
      await producer.send({
        topic: topics.positions,
        acks: -1,
        messages: snapshots.slice(i, i + 200),
      });
    for (;;) {
      const r = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM evaluations');
      if (Number(r.rows[0].n) >= n) break;
      if (performance.now() - started > 300_000) throw new Error('snapshots not evaluated');
      await sleep(250);
    }
    console.log(
      `  ${n} portfolios (${positions} positions) on ${instances} instance(s): loaded in ${round((performance.now() - started) / 1000, 1)} s`,
    );

    // The watcher: every committed evaluation, once, with the time it was first seen.
    const firstTouch = new Float64Array(n); // ms; 0 = no tick since the last evaluation
    const tickFirst: number[] = [];
    const tickTrigger: number[] = [];
    // From the first tick, split as the news figures are: seen in the shock's window or not.
    const tickFirstShock: number[] = [];
    const tickFirstCalm: number[] = [];
    let shockStart = Infinity;
    // SCALE_LATENCY_DIR: every tick latency with when it was seen (ms since measuring began).
    const timeline = process.env.SCALE_LATENCY_DIR ? ([] as string[]) : undefined;
    let measureStart = 0;
    const newsShock: number[] = [];
    const newsCalm: number[] = [];
    const newsSent = new Map<
      string,
      { at: number; shock: boolean; holders: number; seen: number }
    >();
    let measuring = false;
    let evaluationsSeen = 0;
    // Read in commit-safe order (the API stream's): rows after the cursor (tx_id, seq); the cursor
    // moves only over transactions below stream_safe_xid() (all committed), so a transaction that
    // commits later with a lower seq is still read, and each poll reads only rows not yet past it.
    let cursor = { tx: '0', seq: '0' };
    const seen = new Set<string>();
    watch = (async () => {
      while (!stop) {
        const r = await db.query<{
          seq: string;
          tx: string;
          safe: boolean;
          topic: string;
          event: string;
          pid: string;
        }>(
          `SELECT s.seq::text AS seq, s.tx_id::text AS tx, s.tx_id < (SELECT stream_safe_xid()) AS safe,
                  e.trigger_topic AS topic, e.trigger_event_id AS event, e.portfolio_id AS pid
             FROM stream_events s JOIN evaluations e ON e.id = s.ref_id
            WHERE s.kind = 'evaluation' AND (s.tx_id, s.seq) > ($1::bigint, $2::bigint)
            ORDER BY s.tx_id, s.seq`,
          [cursor.tx, cursor.seq],
        );
        const now = performance.now();
        for (const row of r.rows) {
          const already = seen.has(row.seq);
          // Rows are in tx_id order: the safe ones come first, and the cursor passes them for good.
          if (row.safe) {
            cursor = { tx: row.tx, seq: row.seq };
            seen.delete(row.seq);
          } else seen.add(row.seq);
          if (already) continue;
          if (measuring) evaluationsSeen++;
          const p = Number(row.pid.slice(3));
          if (row.topic === topics.ticks) {
            const sentAt = Number(row.event.split('.')[1]);
            if (measuring) {
              tickTrigger.push(now - sentAt);
              if (firstTouch[p] > 0) {
                tickFirst.push(now - firstTouch[p]);
                timeline?.push(
                  `${Math.round(now - measureStart)} ${Math.round(now - firstTouch[p])}`,
                );
                const inShock = now >= shockStart && now < shockStart + SHOCK_WINDOW_S * 1000;
                (inShock ? tickFirstShock : tickFirstCalm).push(now - firstTouch[p]);
              }
            }
            // Ticks after the trigger are not in this evaluation: the next one answers them.
            firstTouch[p] = 0;
          } else if (row.topic === topics.news) {
            const s = newsSent.get(row.event);
            if (s) {
              s.seen++;
              (s.shock ? newsShock : newsCalm).push(now - s.at);
            }
          }
        }
        await sleep(POLL_MS);
      }
    })();

    // The load: ticks every 100 ms, news every 1/NEWS_RATE s, the shock after STEADY_S.
    const move = threeSigmaMove();
    let tickSeq = 0;
    let newsSeq = 0;
    let nextSymbol = 0;
    const sendTicks = async (list: { s: number; price: number }[]) => {
      const at = performance.now();
      const ts = new Date().toISOString();
      const messages = list.map(({ s, price }) => {
        desk.prices[s] = price;
        for (const p of desk.holders[s]) if (firstTouch[p] === 0) firstTouch[p] = at;
        return {
          key: sym(s),
          value: JSON.stringify({
            id: `t.${Math.round(at)}.${tickSeq++}`,
            symbol: sym(s),
            price,
            ts,
            volume: 100,
          }),
        };
      });
      await producer.send({ topic: topics.ticks, acks: 1, messages });
    };
    const heldSymbols = desk.holders.flatMap((h, s) => (h.length > 0 ? [s] : []));
    const sendNews = async (shock: boolean) => {
      const at = performance.now();
      // A story about a held symbol, drawn as positions are (popular symbols more often).
      const holder = desk.holdings[Math.floor(newsRand() * n)];
      const s = holder[Math.floor(newsRand() * holder.length)] ?? heldSymbols[0];
      const id = `n.${Math.round(at)}.${newsSeq++}`;
      newsSent.set(id, { at, shock, holders: desk.holders[s].length, seen: 0 });
      const bad = newsRand() < 0.6;
      await producer.send({
        topic: topics.news,
        acks: 1,
        messages: [
          {
            key: id,
            value: JSON.stringify({
              id,
              ts: new Date().toISOString(),
              headline: bad
                ? `${sym(s)} cuts full-year guidance as orders slow`
                : `${sym(s)} beats estimates and raises its dividend`,
              body: bad
                ? `${sym(s)} said demand weakened in its largest market and margins will narrow.`
                : `${sym(s)} reported revenue ahead of expectations on strong demand.`,
              symbols: [sym(s)],
              source: 'wire',
            }),
          },
        ],
      });
    };
    const perStep = Math.max(1, Math.round(TICK_RATE / 10));
    const loadUntil = async (untilMs: number, shockAt: number | null) => {
      let nextNews = performance.now();
      let next = performance.now();
      while (performance.now() < untilMs) {
        const list: { s: number; price: number }[] = [];
        for (let k = 0; k < perStep; k++) {
          const s = nextSymbol++ % SYMBOLS;
          list.push({
            s,
            price: Math.round(desk.prices[s] * Math.exp(TICK_SIGMA * gaussian(rand)) * 1e4) / 1e4,
          });
        }
        await sendTicks(list);
        const now = performance.now();
        if (now >= nextNews) {
          nextNews += 1000 / NEWS_RATE;
          await sendNews(
            shockAt !== null && now >= shockAt && now < shockAt + SHOCK_WINDOW_S * 1000,
          );
        }
        next += 100;
        await sleep(Math.max(0, next - performance.now()));
      }
    };
    // Warm-up: every symbol priced at least once more before measuring.
    await loadUntil(performance.now() + Math.max(5000, (SYMBOLS / TICK_RATE) * 2000), null);
    const counters0 = await pgCounters(db);
    const proc0 = engines.map((e) => procStat(e.child.pid!));
    const metrics0 = await Promise.all(engines.map((e) => scrape(e.port)));
    let rssMb = 0;
    const rssTimer = setInterval(() => {
      const total = engines.reduce((s, e) => s + procStat(e.child.pid!).rssMb, 0);
      rssMb = Math.max(rssMb, total);
    }, 1000);
    measureStart = performance.now();
    measuring = true;
    // The measured stories start the sequence again: the warm-up sends as many as its timing allows.
    newsRand = mulberry32(2000 + n);
    firstTouch.fill(0);
    await loadUntil(measureStart + STEADY_S * 1000, null);
    // The shock: 30% of the symbols move 3σ (down), in ten batches within one second.
    const shockAt = performance.now();
    shockStart = shockAt;
    const shocked: number[] = [];
    for (let s = 0; s < SYMBOLS; s++) if (shockRand() < SHOCK_SHARE) shocked.push(s);
    for (let b = 0; b < 10; b++) {
      const part = shocked.filter((_, i) => i % 10 === b);
      await sendTicks(
        part.map((s) => ({
          s,
          price: Math.round(desk.prices[s] * Math.exp(-1.05 * move) * 1e4) / 1e4,
        })),
      );
      await sleep(Math.max(0, shockAt + (b + 1) * 100 - performance.now()));
    }
    await loadUntil(shockAt + AFTER_S * 1000, shockAt);
    const loadEnd = performance.now();
    if (timeline)
      writeFileSync(
        join(process.env.SCALE_LATENCY_DIR!, `ticks-${n}x${instances}-${Date.now()}.txt`),
        `${timeline.join('\n')}\n# shock at ${Math.round(shockAt - measureStart)}\n`,
      );
    const windowS = (loadEnd - measureStart) / 1000;
    const evaluationsInWindow = evaluationsSeen;
    const proc1 = engines.map((e) => procStat(e.child.pid!));
    const metrics1 = await Promise.all(engines.map((e) => scrape(e.port)));
    const counters1 = await pgCounters(db);
    // Drain: what the engine still owes (news answered by every holder), up to DRAIN_S.
    const pendingNews = () =>
      [...newsSent.values()].filter((s) => s.seen < s.holders && s.at >= measureStart).length;
    const drainUntil = performance.now() + DRAIN_S * 1000;
    while (pendingNews() > 0 && performance.now() < drainUntil) await sleep(250);
    clearInterval(rssTimer);
    const drainEnd = performance.now();
    // Stories not answered by every holder: their missing evaluations count at the drain's end.
    let newsUnfinished = 0;
    for (const s of newsSent.values()) {
      if (s.at < measureStart || s.seen >= s.holders) continue;
      newsUnfinished++;
      for (let k = s.seen; k < s.holders; k++)
        (s.shock ? newsShock : newsCalm).push(drainEnd - s.at);
    }
    const sum = (
      f: (m: (name: string, labels?: string) => number) => number,
      ms: typeof metrics0,
    ) => ms.reduce((s, m) => s + f(m), 0);
    const d = (name: string, labels?: string) =>
      sum((m) => m(name, labels), metrics1) - sum((m) => m(name, labels), metrics0);
    const applied = d('risk_input_messages_total', 'kind="tick",outcome="applied"');
    const newsHandled = d('risk_input_messages_total', 'kind="news"');
    const cpuS = proc1.reduce((s, p, i) => s + p.cpuS - proc0[i].cpuS, 0);
    const hitTokens = d('reasoning_kv_hit_tokens_total');
    const queried = d('reasoning_kv_queried_tokens_total');
    const modelRuns: Record<string, number> = {};
    for (const gate of ['news', 'moves', 'levels'])
      modelRuns[gate] = d('risk_reasoning_runs_total', `gate="${gate}",outcome="judged"`);
    const perHour = 3600 / windowS;
    const perTable: RunFigures['perTable'] = {};
    let rowsTotal = 0;
    let bytesTotal = 0;
    for (const t of TABLES) {
      const rows = (counters1.rows[t] ?? 0) - (counters0.rows[t] ?? 0);
      const bytes = (counters1.bytes[t] ?? 0) - (counters0.bytes[t] ?? 0);
      rowsTotal += rows;
      bytesTotal += bytes;
      perTable[t] = { rowsPerHour: rows * perHour, mbPerHour: (bytes * perHour) / (1 << 20) };
    }
    // State per flush: the engine_state header and the symbol rows written, per state write.
    const flushes = counters1.stateFlushes - counters0.stateFlushes;
    const symbolRows = counters1.symbolRows - counters0.symbolRows;
    const sizes = await db.query<{ header: string; row: string }>(
      `SELECT (SELECT avg(pg_column_size(instruments) + pg_column_size(tick_offsets)) FROM engine_state)::text AS header,
              (SELECT avg(pg_column_size(state) + pg_column_size(symbol)) FROM engine_symbol_state)::text AS row`,
    );
    const flushStateKb =
      flushes > 0
        ? (Number(sizes.rows[0].header ?? 0) +
            (symbolRows / flushes) * Number(sizes.rows[0].row ?? 0)) /
          1024
        : 0;
    const ticksRead = sum((m) => m('risk_input_messages_total', 'kind="tick"'), metrics1);
    // How many portfolios a story reached: a story's p99 is its slowest holder's.
    const reach = [...newsSent.values()]
      .filter((s) => s.at >= measureStart)
      .map((s) => s.holders)
      .sort((a, b) => a - b);
    // Where a one-batch story's time went, mean ms per story in the window (the engine's stages).
    const newsStages: Record<string, number> = {};
    for (const stage of [
      'news_delivery',
      'news_caught_up',
      'news_holders',
      'news_judge',
      'news_commit_turn',
      'news_commit',
    ]) {
      const count = d('risk_stage_duration_seconds_count', `stage="${stage}"`);
      newsStages[stage] =
        count > 0 ? (1000 * d('risk_stage_duration_seconds_sum', `stage="${stage}"`)) / count : NaN;
    }
    return {
      portfolios: n,
      instances,
      positions,
      tickFirst: tickFirst.sort((a, b) => a - b),
      tickTrigger: tickTrigger.sort((a, b) => a - b),
      tickFirstCalm: tickFirstCalm.sort((a, b) => a - b),
      tickFirstShock: tickFirstShock.sort((a, b) => a - b),
      newsShock: newsShock.sort((a, b) => a - b),
      newsCalm: newsCalm.sort((a, b) => a - b),
      newsUnfinished,
      evalsPerS: evaluationsInWindow / windowS,
      rssMb,
      cpuPerEventMs: (cpuS * 1000) / Math.max(1, applied + newsHandled),
      cpuPerEvalMs: (cpuS * 1000) / Math.max(1, evaluationsInWindow),
      cores: cpuS / windowS,
      kvHitRate: queried > 0 ? hitTokens / queried : NaN,
      kvEvictions: d('reasoning_kv_evictions_total'),
      modelRuns,
      pgRowsPerHour: rowsTotal * perHour,
      pgMbPerHour: (bytesTotal * perHour) / (1 << 20),
      perTable,
      flushStateKb,
      flushes,
      backlogTicks: Math.max(0, tickSeq - ticksRead),
      newsStages,
      reach,
      // The engine's event loop delay since the previous scrape (prom-client resets it).
      loopLagMs: ['p50', 'p99', 'max'].map(
        (q) => 1000 * Math.max(...metrics1.map((m) => m(`nodejs_eventloop_lag_${q}_seconds`))),
      ),
    };
  } finally {
    stop = true;
    stopping = true;
    await watch.catch(() => undefined);
    for (const e of engines) await kill(e.child, 'SIGTERM');
    await producer.disconnect();
    await db.end();
    await deleteRunTopics(kafka, topics);
    await dropDatabase(dbUrl.toString());
  }
}

/** Least-squares slope of log(y) against log(x). */
function logSlope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den > 0 ? num / den : NaN;
}

const ms = (xs: number[], p: number) => (xs.length ? round(percentile(xs, p), 0) : NaN);

function describe(f: RunFigures): string {
  const tables = Object.entries(f.perTable)
    .filter(([, v]) => v.rowsPerHour > 0 || v.mbPerHour > 0)
    .map(([t, v]) => `${t} ${Math.round(v.rowsPerHour)} rows ${round(v.mbPerHour, 1)} MB`)
    .join(', ');
  return (
    `  ${f.portfolios} portfolios × ${f.instances} instance(s) (${f.positions} positions): ` +
    `tick→eval p50/p99 ${ms(f.tickFirst, 50)}/${ms(f.tickFirst, 99)} ms from the first tick ` +
    `(${ms(f.tickTrigger, 50)}/${ms(f.tickTrigger, 99)} ms from the trigger tick; ${f.tickFirst.length} evaluations; ` +
    `from the first tick calm p50/p99 ${ms(f.tickFirstCalm, 50)}/${ms(f.tickFirstCalm, 99)} ms, shock ${ms(f.tickFirstShock, 50)}/${ms(f.tickFirstShock, 99)} ms); ` +
    `news→eval (model on) calm p50/p99 ${ms(f.newsCalm, 50)}/${ms(f.newsCalm, 99)} ms (${f.newsCalm.length}), ` +
    `shock p50/p99 ${ms(f.newsShock, 50)}/${ms(f.newsShock, 99)} ms (${f.newsShock.length}), ` +
    `${f.newsUnfinished} stories unanswered by all holders after the drain; ` +
    `event loop delay p50/p99/max ${f.loopLagMs.map((x) => round(x, 0)).join('/')} ms; ` +
    `holders per story p50/p90/max ${ms(f.reach, 50)}/${ms(f.reach, 90)}/${f.reach[f.reach.length - 1] ?? NaN}; ` +
    `one-batch story stages (mean ms) ${Object.entries(f.newsStages)
      .map(([k, v]) => `${k.slice(5)} ${round(v, 0)}`)
      .join(', ')}; ` +
    `${f.backlogTicks} ticks not yet read when the load stopped; ${round(f.evalsPerS, 1)} evaluations/s; RSS ${Math.round(f.rssMb)} MB; ` +
    `CPU ${round(f.cpuPerEventMs, 3)} ms per input event, ${round(f.cpuPerEvalMs, 2)} ms per evaluation (${round(f.cores, 2)} cores used); ` +
    `K/V hit rate ${round(f.kvHitRate, 3)}, ${f.kvEvictions} evictions; model runs ${JSON.stringify(f.modelRuns)}; ` +
    `state per flush ${round(f.flushStateKb, 1)} KB over ${f.flushes} flushes; ` +
    `PostgreSQL ${Math.round(f.pgRowsPerHour)} rows/h, ${round(f.pgMbPerHour, 1)} MB/h (${tables})`
  );
}

/**
 * History API's query (newest first, a page of 50, one portfolio) as the evaluations table grows
 * by months: p99 over 300 queries at 1, 3 and 6 monthly partitions of 200,000 rows each.
 */
async function historyStep(): Promise<{ rows: number; p99: number }[]> {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk');
  url.pathname = `/risk_scalehist_${randomBytes(3).toString('hex')}`;
  await (await openDatabase(url.toString())).destroy();
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  const out: { rows: number; p99: number }[] = [];
  try {
    const PER_MONTH = 200_000;
    const rand = mulberry32(7);
    let months = 0;
    for (const target of [1, 3, 6]) {
      while (months < target) {
        months++;
        await db.query(
          `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
           SELECT gen_random_uuid(), 'pf-' || (i % 2000), now() - make_interval(days => $1 * 30) - (i % 2592000) * interval '1 second',
                  'market.ticks', 'h' || $1 || '.' || i, 0.4, 'LOW',
                  '{"nav":1,"var99":1}', '{"steps":[{"kind":"metric","text":"x","data":{}}],"models":{}}', '{}'
             FROM generate_series(1, $2) i`,
          [months - 1, PER_MONTH],
        );
      }
      await db.query('ANALYZE evaluations');
      const times: number[] = [];
      for (let q = 0; q < 300; q++) {
        const pf = `pf-${Math.floor(rand() * 2000)}`;
        const t0 = performance.now();
        await db.query(
          `SELECT * FROM evaluations WHERE portfolio_id = $1 AND ts <= now() ORDER BY ts DESC, id DESC LIMIT 50`,
          [pf],
        );
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      out.push({ rows: months * PER_MONTH, p99: percentile(times, 99) });
    }
  } finally {
    await db.end();
    await dropDatabase(url.toString());
  }
  return out;
}

async function main(): Promise<void> {
  const kafka = new Kafka({
    clientId: 'bench-scale',
    brokers: BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const t0 = performance.now();
  console.log(
    `bench:scale: ${SYMBOLS} symbols, ${TICK_RATE} ticks/s, ${NEWS_RATE} news/s (model on), ` +
      `shock: ${SHOCK_SHARE * 100}% of symbols move 3σ (${round(threeSigmaMove() * 100, 3)}%) in 1 s; ` +
      `COALESCE_MS ${loadConfig(process.env).coalesceMs}; steady ${STEADY_S} s, after the shock ${AFTER_S} s`,
  );
  const runs: RunFigures[] = [];
  try {
    for (const n of SIZES) {
      const f = await runOnce(n, 1, kafka);
      runs.push(f);
      console.log(describe(f));
    }
    let second: RunFigures | undefined;
    if (SECOND_INSTANCE) {
      second = await runOnce(Math.max(...SIZES), 2, kafka);
      console.log(describe(second));
    }
    if (HISTORY) {
      for (const h of await historyStep())
        console.log(
          `  history API query (a page of 50, one portfolio) at ${h.rows} rows: p99 ${round(h.p99, 2)} ms`,
        );
    }
    const exponent = logSlope(
      runs.map((r) => r.portfolios),
      runs.map((r) => r.cpuPerEventMs),
    );
    const perEval = logSlope(
      runs.map((r) => r.portfolios),
      runs.map((r) => r.cpuPerEvalMs),
    );
    console.log(
      `cost exponent (log CPU time per input event vs log portfolios): ${round(exponent, 3)}; ` +
        `per evaluation: ${round(perEval, 3)}`,
    );
    console.log(
      `total ${round((performance.now() - t0) / 1000, 0)} s; goals: news p99 ≤ 500 ms (shock, model on), ` +
        `tick p99 ≤ COALESCE_MS + 250 ms, RSS ≤ 2048 MB, exponent ≤ 1.1, state per flush ≤ 1024 KB`,
    );
    const top = runs[runs.length - 1];
    console.log(
      resultLine({
        news_lm_p99_ms: ms(top.newsShock, 99),
        tick_p99_ms: ms(top.tickFirst, 99),
        evals_per_s: round(top.evalsPerS, 1),
        rss_mb: Math.round(top.rssMb),
        cost_exponent: round(exponent, 3),
        flush_state_kb: round(top.flushStateKb, 1),
        pg_mb_per_hour: round(top.pgMbPerHour, 1),
      }),
    );
  } finally {
    console.log(`engine logs: ${LOG_DIR}/scale-engine-*.log`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
