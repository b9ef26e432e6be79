import { CONSTITUENT_KIND, DERIVATIVE_TYPES, type ReferenceChange } from '@risk/contracts';
import { exposureRules, type Factor } from './factor-map';
import {
  DEFAULT_REACH_SETTINGS,
  type GraphInstrument,
  type GraphRelation,
  type PathEdge,
  type ReachSettings,
  type Reached,
} from './graph-types';
import { MaxHeap } from './max-heap';
import { displayName } from './names';

/** A node of the traversal: an issuer (entity id) or an instrument (symbol). */
type NodeKey = `e:${string}` | `s:${string}`;

/** A path being explored, as a linked list back to its start (no copying per step). */
interface Step {
  node: NodeKey;
  weight: number;
  hops: number;
  edge: PathEdge | null;
  prev: Step | null;
}

/** Start types whose story is the issuer's story too (a story about a bond concerns its issuer). */
const ISSUER_TYPES = new Set(['equity', 'bond', 'other']);

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function drop<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

/** Keeps a relation list strongest first, so a fan-out bound is a prefix. */
function insertByWeight(map: Map<string, GraphRelation[]>, key: string, r: GraphRelation): void {
  const list = map.get(key);
  if (!list) {
    map.set(key, [r]);
    return;
  }
  let i = list.length;
  while (i > 0 && list[i - 1].weight < r.weight) i--;
  list.splice(i, 0, r);
}

/**
 * The knowledge graph every engine instance holds in memory, built from reference data: which
 * instruments an issuer has, which derivatives are written on an instrument, which funds hold
 * it, and the weighted relations between issuers. `reach` answers which held instruments a story
 * touches, how strongly, and along which path (docs/knowledge-graph.md).
 */
export class KnowledgeGraph {
  private readonly instruments = new Map<string, GraphInstrument>();
  private readonly issuerSymbols = new Map<string, string[]>();
  private readonly derivatives = new Map<string, string[]>();
  private readonly relations = new Map<string, GraphRelation>();
  /** Issuer relations by each end. */
  private readonly issuerEdges = new Map<string, GraphRelation[]>();
  /** constituent_of edges by their constituent symbol. */
  private readonly fundEdges = new Map<string, GraphRelation[]>();
  /** The `ts` (ms) of the version applied last per key, for `applyChange`. */
  private readonly versions = new Map<string, number>();
  readonly settings: Readonly<ReachSettings>;

  constructor(settings: Partial<ReachSettings> = {}) {
    this.settings = { ...DEFAULT_REACH_SETTINGS, ...settings };
  }

  static build(
    instruments: Iterable<GraphInstrument>,
    relations: Iterable<GraphRelation>,
    settings: Partial<ReachSettings> = {},
  ): KnowledgeGraph {
    const g = new KnowledgeGraph(settings);
    for (const i of instruments) g.upsertInstrument(i);
    for (const r of relations) g.upsertRelation(r);
    return g;
  }

  get size(): { instruments: number; relations: number } {
    return { instruments: this.instruments.size, relations: this.relations.size };
  }

  instrument(symbol: string): GraphInstrument | undefined {
    return this.instruments.get(symbol);
  }

  allInstruments(): IterableIterator<GraphInstrument> {
    return this.instruments.values();
  }

  upsertInstrument(i: GraphInstrument): void {
    this.removeInstrument(i.symbol);
    // Only the fields the graph reads: a message's other fields would cost memory per symbol.
    const kept: GraphInstrument = {
      symbol: i.symbol,
      issuer: i.issuer,
      type: i.type,
      name: i.name,
      aliases: i.aliases,
      sector: i.sector,
      country: i.country,
      currency: i.currency,
      underlying: i.underlying,
    };
    this.instruments.set(i.symbol, kept);
    push(this.issuerSymbols, i.issuer, i.symbol);
    if (i.underlying !== null) push(this.derivatives, i.underlying, i.symbol);
  }

  removeInstrument(symbol: string): void {
    const old = this.instruments.get(symbol);
    if (!old) return;
    this.instruments.delete(symbol);
    drop(this.issuerSymbols, old.issuer, symbol);
    if (old.underlying !== null) drop(this.derivatives, old.underlying, symbol);
  }

  /** Weight 0 removes the edge, as on the topic. */
  upsertRelation(r: GraphRelation): void {
    this.removeRelation(r.id);
    if (r.weight <= 0) return;
    const kept: GraphRelation = {
      id: r.id,
      from: r.from,
      to: r.to,
      kind: r.kind,
      weight: r.weight,
    };
    this.relations.set(r.id, kept);
    if (r.kind === CONSTITUENT_KIND) {
      insertByWeight(this.fundEdges, r.from, kept);
    } else {
      insertByWeight(this.issuerEdges, r.from, kept);
      insertByWeight(this.issuerEdges, r.to, kept);
    }
  }

  removeRelation(id: string): void {
    const old = this.relations.get(id);
    if (!old) return;
    this.relations.delete(id);
    if (old.kind === CONSTITUENT_KIND) {
      drop(this.fundEdges, old.from, old);
    } else {
      drop(this.issuerEdges, old.from, old);
      drop(this.issuerEdges, old.to, old);
    }
  }

  /**
   * Applies one decoded reference message with the same rules as the stored tables: a tombstone
   * removes, an older `ts` than the version applied last for the key is ignored, weight 0 removes
   * the edge but keeps its `ts`. Returns whether the graph changed.
   */
  applyChange(change: ReferenceChange): boolean {
    const key = `${change.kind}\u0000${change.key}`;
    if (change.op === 'delete') {
      this.versions.delete(key);
      const had =
        change.kind === 'instrument'
          ? this.instruments.has(change.key)
          : this.relations.has(change.key);
      if (change.kind === 'instrument') this.removeInstrument(change.key);
      else this.removeRelation(change.key);
      return had;
    }
    const ts = Date.parse(change.value.ts);
    const applied = this.versions.get(key);
    if (applied !== undefined && applied > ts) return false;
    this.versions.set(key, ts);
    if (change.kind === 'instrument') this.upsertInstrument(change.value);
    else this.upsertRelation(change.value);
    return true;
  }

  /** A readable name for an issuer id or a symbol ("Kestrel Components"); the id itself if unknown. */
  nameOf(idOrSymbol: string): string {
    const instrument = this.instruments.get(idOrSymbol);
    if (instrument) return displayName(instrument.name);
    const symbols = this.issuerSymbols.get(idOrSymbol);
    if (!symbols) return idOrSymbol;
    const main =
      symbols.map((s) => this.instruments.get(s)!).find((i) => i.type === 'equity') ??
      this.instruments.get(symbols[0])!;
    return displayName(main.name);
  }

  /** How a holder calls an instrument: its first alias, else its name without legal suffixes. */
  shortNameOf(symbol: string): string {
    const instrument = this.instruments.get(symbol);
    if (!instrument) return symbol;
    return instrument.aliases[0] ?? displayName(instrument.name);
  }

  /**
   * The instruments a story about these entities (issuer ids) and symbols reaches: the issuer's
   * own instruments, derivatives written on them, funds that hold them, and the same for issuers
   * up to `maxHops` relations away, each with its strongest path.
   */
  reach(
    start: { entities?: readonly string[]; symbols?: readonly string[] },
    overrides: Partial<ReachSettings> = {},
  ): Reached[] {
    const seeds: Step[] = [];
    for (const e of start.entities ?? []) seeds.push(seed(`e:${e}`));
    for (const s of start.symbols ?? []) {
      seeds.push(seed(`s:${s}`));
      const instrument = this.instruments.get(s);
      if (instrument && ISSUER_TYPES.has(instrument.type))
        seeds.push(seed(`e:${instrument.issuer}`));
    }
    return this.traverse(seeds, { ...this.settings, ...overrides });
  }

  /**
   * The instruments exposed to macro or sector factors named in a story, through each
   * instrument's type, sector, country and currency (the factor map), then on to derivatives and
   * funds as for `reach`. Issuer relations are not followed from a factor.
   */
  reachFactors(factors: readonly Factor[], overrides: Partial<ReachSettings> = {}): Reached[] {
    const settings = { ...this.settings, ...overrides };
    const seeds: Step[] = [];
    for (const factor of factors) {
      const rules = exposureRules(factor);
      for (const i of this.instruments.values()) {
        let weight = 0;
        for (const rule of rules) if (rule.matches(i)) weight = Math.max(weight, rule.weight);
        if (weight < settings.minWeight) continue;
        const edge: PathEdge = { from: factor.id, kind: 'exposed_to', to: i.symbol, weight };
        seeds.push({ node: `s:${i.symbol}`, weight, hops: 0, edge, prev: null });
      }
    }
    return this.traverse(seeds, settings);
  }

  /** Best-first over (node, hops): the first time a node is settled, it is by its strongest path. */
  private traverse(seeds: Step[], settings: ReachSettings): Reached[] {
    const heap = new MaxHeap<Step>();
    for (const s of seeds) heap.push(s);
    // Fewest hops a node has been expanded with: a weaker path to it only helps with fewer hops.
    const expanded = new Map<NodeKey, number>();
    const results = new Map<string, Reached>();
    const followed = (from: Step, node: NodeKey, edge: PathEdge, hops: number): void => {
      const weight = from.weight * edge.weight;
      if (weight < settings.minWeight) return;
      const seen = expanded.get(node);
      if (seen !== undefined && seen <= hops) return;
      heap.push({ node, weight, hops, edge, prev: from });
    };
    while (heap.size > 0 && results.size < settings.maxResults) {
      const step = heap.pop()!;
      const seen = expanded.get(step.node);
      if (seen !== undefined && seen <= step.hops) continue;
      expanded.set(step.node, step.hops);
      const id = step.node.slice(2);
      if (step.node.startsWith('e:')) {
        for (const symbol of this.issuerSymbols.get(id) ?? []) {
          // Same entity: no edge, no attenuation.
          const node: NodeKey = `s:${symbol}`;
          const prior = expanded.get(node);
          if (prior === undefined || prior > step.hops) heap.push({ ...step, node });
        }
        if (step.hops >= settings.maxHops) continue;
        let n = 0;
        for (const r of this.issuerEdges.get(id) ?? []) {
          if (n >= settings.maxFanOut) break;
          const forward = r.from === id;
          if (!forward && !settings.bothWays) continue;
          n++;
          const other = forward ? r.to : r.from;
          const edge = { from: r.from, kind: r.kind, to: r.to, weight: r.weight };
          followed(step, `e:${other}`, edge, step.hops + 1);
        }
        continue;
      }
      if (!results.has(id)) {
        results.set(id, { symbol: id, weight: step.weight, hops: step.hops, path: pathOf(step) });
      }
      for (const d of this.derivatives.get(id) ?? []) {
        const derivative = this.instruments.get(d);
        if (!derivative || !DERIVATIVE_TYPES.includes(derivative.type)) continue;
        followed(step, `s:${d}`, { from: id, kind: 'underlying_of', to: d, weight: 1 }, step.hops);
      }
      if (step.hops >= settings.maxHops) continue;
      const funds = this.fundEdges.get(id) ?? [];
      for (let k = 0; k < funds.length && k < settings.maxFanOut; k++) {
        const r = funds[k];
        const edge = { from: r.from, kind: r.kind, to: r.to, weight: r.weight };
        followed(step, `s:${r.to}`, edge, step.hops + 1);
      }
    }
    return [...results.values()].sort((a, b) => b.weight - a.weight || a.hops - b.hops);
  }
}

function seed(node: NodeKey): Step {
  return { node, weight: 1, hops: 0, edge: null, prev: null };
}

function pathOf(step: Step): PathEdge[] {
  const path: PathEdge[] = [];
  for (let s: Step | null = step; s; s = s.prev) if (s.edge) path.push(s.edge);
  return path.reverse();
}
