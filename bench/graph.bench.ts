/**
 * `npm run bench:graph`: the knowledge graph's memory and lookup time at 50,000 edges, and entity
 * linking precision/recall on the hand-labelled headlines of data/knowledge-graph/. Ends with
 * `RESULT graph_mb_50k=… lookup_p50_ms=… lookup_p95_ms=… lookup_p99_ms=… lookup_cpu_p99_ms=… link_precision=… link_recall=…`.
 * News → evaluation latency through the graph (indirect vs direct holders) needs the engine's
 * propagation and is not measured here (docs/knowledge-graph.md § Figures).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RELATION_KINDS } from '@risk/contracts';
import {
  EntityLinker,
  KnowledgeGraph,
  type GraphInstrument,
  type GraphRelation,
} from '@risk/knowledge-graph';
import { percentile, resultLine, round } from './bench-support';

const ISSUERS = 20_000;
const BONDS = 5_000;
const OPTIONS = 5_000;
const FUNDS = 200;
const ISSUER_EDGES = 40_000;
const CONSTITUENT_EDGES = 10_000;
const LOOKUPS = 20_000;

/** mulberry32: the same graph every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function* instruments(rand: () => number): Generator<GraphInstrument> {
  const sectors = ['Energy', 'Financials', 'Information Technology', 'Health Care', 'Utilities'];
  const base = (
    symbol: string,
    issuer: string,
    type: GraphInstrument['type'],
  ): GraphInstrument => ({
    symbol,
    issuer,
    type,
    name: `Company ${issuer} Inc.`,
    aliases: [],
    sector: sectors[Math.floor(rand() * sectors.length)],
    country: 'US',
    currency: 'USD',
    underlying: null,
  });
  for (let i = 0; i < ISSUERS; i++) yield base(`S${i}`, `E${i}`, 'equity');
  for (let i = 0; i < BONDS; i++) yield base(`B${i}`, `E${Math.floor(rand() * ISSUERS)}`, 'bond');
  for (let i = 0; i < OPTIONS; i++)
    yield { ...base(`O${i}`, 'OCC', 'option'), underlying: `S${Math.floor(rand() * ISSUERS)}` };
  for (let i = 0; i < FUNDS; i++) yield base(`F${i}`, `FUND${i}`, 'etf');
}

function* relations(rand: () => number): Generator<GraphRelation> {
  const kinds = RELATION_KINDS.filter((k) => k !== 'constituent_of');
  for (let i = 0; i < ISSUER_EDGES; i++) {
    const from = Math.floor(rand() * ISSUERS);
    let to = Math.floor(rand() * ISSUERS);
    if (to === from) to = (to + 1) % ISSUERS;
    yield {
      id: `r${i}`,
      from: `E${from}`,
      to: `E${to}`,
      kind: kinds[Math.floor(rand() * kinds.length)],
      weight: round(0.05 + rand() * 0.95, 3),
    };
  }
  for (let i = 0; i < CONSTITUENT_EDGES; i++) {
    yield {
      id: `c${i}`,
      from: `S${Math.floor(rand() * ISSUERS)}`,
      to: `F${Math.floor(rand() * FUNDS)}`,
      kind: 'constituent_of',
      weight: round(0.001 + rand() * 0.05, 4),
    };
  }
}

function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:graph does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed / (1 << 20);
}

function measureGraph(): {
  mb: number;
  buildMs: number;
  p50: number;
  p95: number;
  p99: number;
  cpuP99: number;
  reached: number;
  linkerMb: number;
  linkerMs: number;
  linkMs: number;
} {
  const rand = prng(42);
  const before = heapMb();
  const started = performance.now();
  const graph = new KnowledgeGraph();
  // As an engine reads the topics: decoded changes, with the versions applyChange keeps.
  const ts = '2026-11-30T08:00:00.000Z';
  for (const i of instruments(rand)) {
    const value = { ...i, id: `i-${i.symbol}`, ts };
    graph.applyChange({ kind: 'instrument', op: 'upsert', key: i.symbol, value });
  }
  for (const r of relations(rand))
    graph.applyChange({ kind: 'relation', op: 'upsert', key: r.id, value: { ...r, ts } });
  const buildMs = performance.now() - started;
  const mb = heapMb() - before;
  const { relations: edges } = graph.size;
  if (edges !== ISSUER_EDGES + CONSTITUENT_EDGES) throw new Error(`built ${edges} edges`);

  // Warm-up: the first calls compile the traversal; a running engine has long passed them.
  for (let k = 0; k < 2000; k++) graph.reach({ entities: [`E${Math.floor(rand() * ISSUERS)}`] });
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let reached = 0;
  for (let k = 0; k < LOOKUPS; k++) {
    const entity = `E${Math.floor(rand() * ISSUERS)}`;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    reached += graph.reach({ entities: [entity] }).length;
    times.push(performance.now() - t0);
    // CPU time too: on a loaded machine the wall-clock tail is mostly waiting for a core.
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  // The engine builds one linker from every instrument; how long that takes at this size.
  const linkerBefore = heapMb();
  const linkerStarted = performance.now();
  const linker = EntityLinker.fromInstruments(graph.allInstruments());
  const linkerMs = performance.now() - linkerStarted;
  const linkerMb = heapMb() - linkerBefore;
  const text = 'Fire halts production at Company E123 plant; supplier Company E9876 Inc. warns';
  const linkStarted = performance.now();
  for (let k = 0; k < 1000; k++) linker.issuersIn(text);
  const linkMs = (performance.now() - linkStarted) / 1000;
  return {
    linkerMb,
    linkerMs,
    linkMs,
    mb,
    buildMs,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    cpuP99: percentile(cpuTimes, 99),
    p99: percentile(times, 99),
    reached: reached / LOOKUPS,
  };
}

interface Labelled {
  id: string;
  text: string;
  issuers: string[];
}

function measureLinking(): { precision: number; recall: number; headlines: number } {
  const dir = join(__dirname, '..', 'data', 'knowledge-graph');
  const lines = (file: string) =>
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
  const universe = lines('linking-universe.jsonl').map((u) => ({
    sector: null,
    country: null,
    currency: null,
    underlying: null,
    ...(u as Omit<GraphInstrument, 'sector' | 'country' | 'currency' | 'underlying'>),
  }));
  const headlines = lines('linking-headlines.jsonl') as Labelled[];
  const linker = EntityLinker.fromInstruments(universe);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const h of headlines) {
    const found = new Set(linker.issuersIn(h.text));
    const gold = new Set(h.issuers);
    for (const f of found) {
      if (gold.has(f)) tp++;
      else {
        fp++;
        console.log(`  false hit  ${h.id} ${f}: ${h.text}`);
      }
    }
    for (const g of gold) {
      if (!found.has(g)) {
        fn++;
        console.log(`  missed     ${h.id} ${g}: ${h.text}`);
      }
    }
  }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), headlines: headlines.length };
}

function main(): void {
  const g = measureGraph();
  console.log(
    `graph: ${ISSUER_EDGES + CONSTITUENT_EDGES} edges, ${ISSUERS + BONDS + OPTIONS + FUNDS} instruments; ` +
      `heap ${round(g.mb, 1)} MB; built in ${round(g.buildMs, 0)} ms; ` +
      `reach p50 ${round(g.p50, 3)} ms, p95 ${round(g.p95, 3)} ms, p99 ${round(g.p99, 3)} ms (CPU time p99 ${round(g.cpuP99, 3)} ms) over ${LOOKUPS} lookups ` +
      `(${round(g.reached, 1)} instruments reached on average)`,
  );
  console.log(
    `linker over the same ${ISSUERS + BONDS + OPTIONS + FUNDS} instruments: heap ${round(g.linkerMb, 1)} MB; built in ${round(g.linkerMs, 0)} ms; ` +
      `${round(g.linkMs, 3)} ms per headline`,
  );
  const l = measureLinking();
  console.log(
    `linking: ${l.headlines} headlines; precision ${round(l.precision, 3)}, recall ${round(l.recall, 3)}`,
  );
  console.log(
    resultLine({
      graph_mb_50k: round(g.mb, 1),
      lookup_p50_ms: round(g.p50, 3),
      lookup_p95_ms: round(g.p95, 3),
      lookup_p99_ms: round(g.p99, 3),
      lookup_cpu_p99_ms: round(g.cpuP99, 3),
      link_precision: round(l.precision, 3),
      link_recall: round(l.recall, 3),
    }),
  );
}

main();
