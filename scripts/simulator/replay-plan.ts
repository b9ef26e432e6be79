/**
 * Pure parts of the replay: reading JSONL, re-timing a loop of the stream, keeping ids unique,
 * and deciding when each record is due. The Kafka side lives in replay.ts.
 */
import { ID_PATTERN } from '@risk/contracts';
import { roundCents } from './market-simulator';

/**
 * A line of the stream file. Looser than StreamRecord on purpose: a file may hold invalid
 * messages (to exercise dead letters), and a string value is produced as the raw payload.
 */
export interface ReplayRecord {
  topic: string;
  key: string | null;
  value: unknown;
}

const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;
const RUN_TAG_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseStreamJsonl(text: string): ReplayRecord[] {
  const records: ReplayRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new Error(
        `line ${index + 1}: not JSON (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    if (!isPlainObject(parsed)) throw new Error(`line ${index + 1}: not an object`);
    const { topic, key, value } = parsed;
    if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) {
      throw new Error(`line ${index + 1}: topic must be a Kafka topic name`);
    }
    if (key !== null && typeof key !== 'string')
      throw new Error(`line ${index + 1}: key must be a string or null`);
    if (value === undefined) throw new Error(`line ${index + 1}: value missing`);
    records.push({ topic, key, value });
  });
  return records;
}

/** Event time of a record in ms, or undefined when its value has no usable `ts`. */
export function eventTimeMs(record: ReplayRecord): number | undefined {
  if (!isPlainObject(record.value) || typeof record.value.ts !== 'string') return undefined;
  const ms = Date.parse(record.value.ts);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Event times for every record; one without a time takes its predecessor's, so order decides. */
export function eventTimes(records: readonly ReplayRecord[]): number[] {
  const times: number[] = [];
  // A leading record without time takes the first known one.
  let carry = records.map(eventTimeMs).find((t) => t !== undefined) ?? 0;
  for (const r of records) {
    carry = eventTimeMs(r) ?? carry;
    times.push(carry);
  }
  return times;
}

export interface StreamSpan {
  firstMs: number;
  lastMs: number;
  /** Event time one loop of the stream takes, so loop n+1 starts right after loop n. */
  periodMs: number;
}

export function streamSpan(records: readonly ReplayRecord[], loopGapMs = 1000): StreamSpan {
  const times = eventTimes(records);
  if (times.length === 0) return { firstMs: 0, lastMs: 0, periodMs: loopGapMs };
  // A loop, not Math.min(...times): a long stream would overflow the argument list.
  let firstMs = times[0];
  let lastMs = times[0];
  for (const t of times) {
    if (t < firstMs) firstMs = t;
    if (t > lastMs) lastMs = t;
  }
  return { firstMs, lastMs, periodMs: lastMs - firstMs + loopGapMs };
}

/** Suffixes keep ids unique across loops and runs while staying inside the contract's id pattern. */
export function suffixId(id: string, suffixes: readonly string[]): string {
  if (suffixes.length === 0) return id;
  const out = `${id}:${suffixes.join(':')}`;
  if (!ID_PATTERN.test(out))
    throw new Error(`suffixed id ${out} breaks the id pattern or its 128-char limit`);
  return out;
}

export function idSuffixes(loop: number, runTag?: string): string[] {
  if (runTag !== undefined && !RUN_TAG_PATTERN.test(runTag)) {
    throw new Error(`run tag must match ${RUN_TAG_PATTERN.source}`);
  }
  return [...(runTag ? [runTag] : []), ...(loop > 0 ? [`l${loop}`] : [])];
}

/**
 * How far each symbol's price moved over one pass of the stream (last / first tick). Loop n
 * scales prices by factor^n so a looped stream continues where the last pass ended instead of
 * snapping back, which would look like a crash or a rally every loop.
 */
export function priceDriftFactors(
  records: readonly ReplayRecord[],
  tickTopic = 'market.ticks',
): Map<string, number> {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const r of records) {
    if (r.topic !== tickTopic || !isPlainObject(r.value)) continue;
    const { symbol, price } = r.value;
    if (typeof symbol !== 'string' || typeof price !== 'number' || !(price > 0)) continue;
    if (!first.has(symbol)) first.set(symbol, price);
    last.set(symbol, price);
  }
  const factors = new Map<string, number>();
  for (const [symbol, p0] of first) factors.set(symbol, (last.get(symbol) ?? p0) / p0);
  return factors;
}

export interface LoopTransform {
  loop: number;
  /** Added to every `ts`. */
  shiftMs: number;
  runTag?: string;
  /** Per-symbol price multipliers for this loop; absent means prices are left alone. */
  priceFactors?: ReadonlyMap<string, number>;
}

function scalePrice(price: unknown, factor: number | undefined): unknown {
  if (typeof price !== 'number' || factor === undefined || !(price > 0)) return price;
  return Math.max(0.01, roundCents(price * factor));
}

/** One record as it goes out in a given loop: ts shifted, id (and a news key) suffixed, prices scaled. */
export function transformRecord(record: ReplayRecord, t: LoopTransform): ReplayRecord {
  const value = record.value;
  if (!isPlainObject(value)) return record;
  const suffixes = idSuffixes(t.loop, t.runTag);
  const out: Record<string, unknown> = { ...value };
  if (typeof value.id === 'string') out.id = suffixId(value.id, suffixes);
  const ms = eventTimeMs(record);
  if (ms !== undefined) out.ts = new Date(ms + t.shiftMs).toISOString();
  const factors = t.priceFactors;
  if (factors && factors.size > 0) {
    if (typeof value.symbol === 'string' && 'price' in value) {
      out.price = scalePrice(value.price, factors.get(value.symbol));
    }
    if (Array.isArray(value.positions)) {
      out.positions = value.positions.map((p: unknown) =>
        isPlainObject(p) && typeof p.symbol === 'string' && 'price' in p
          ? { ...p, price: scalePrice(p.price, factors.get(p.symbol)) }
          : p,
      );
    }
  }
  // A news key is its id: it must follow the suffixed id or the service dead-letters it.
  const key =
    record.key !== null && record.key === value.id && typeof out.id === 'string'
      ? out.id
      : record.key;
  return { topic: record.topic, key, value: out };
}

export interface LoopPlanOptions {
  /** Wall-clock ms at which the replay starts, when re-basing time onto now. */
  rebaseToMs?: number;
  runTag?: string;
  continuePrices?: boolean;
  loopGapMs?: number;
}

/**
 * The transform for loop n: loops follow each other in event time (otherwise a second pass
 * would be all stale ticks), optionally re-based so that loop 0 starts at rebaseToMs.
 */
export function loopTransform(
  span: StreamSpan,
  factors: ReadonlyMap<string, number>,
  loop: number,
  opts: LoopPlanOptions,
): LoopTransform {
  const base = opts.rebaseToMs !== undefined ? opts.rebaseToMs - span.firstMs : 0;
  const priceFactors =
    opts.continuePrices !== false && loop > 0
      ? new Map([...factors].map(([symbol, f]) => [symbol, f ** loop]))
      : undefined;
  return { loop, shiftMs: base + loop * span.periodMs, runTag: opts.runTag, priceFactors };
}

/** Wall-clock ms at which an event is due: speed 10 plays 10 s of event time per second; 0 is at once. */
export function dueAtMs(
  eventMs: number,
  originEventMs: number,
  wallStartMs: number,
  speed: number,
): number {
  if (speed <= 0) return wallStartMs;
  return wallStartMs + (eventMs - originEventMs) / speed;
}

/** Default run tag for a re-based replay: new ids per run, so a second demo run is not deduplicated away. */
export function defaultRunTag(nowMs: number): string {
  return `r${nowMs.toString(36)}`;
}
