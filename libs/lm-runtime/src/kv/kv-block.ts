import type { DeviceKv } from './device-kv';

/**
 * An immutable K/V cache for one sequence: per layer, K and V as contiguous Float32Arrays laid
 * out [H_kv, length, D], i.e. exactly the ORT `[1, H_kv, P, D]` tensor, so a block is fed to the
 * session without copying and a single-row `present` output is adopted as the next block as is.
 * Blocks are never written after creation, which is what lets a system-prompt root be shared by
 * every context (copy-on-extend: extending feeds the root and adopts a new `present`).
 */
export interface KvBlock {
  readonly numLayers: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** Number of cached positions (slots). */
  readonly length: number;
  /** Absolute position of each slot; differs from the slot index only under a sliding window. */
  readonly positions: Int32Array;
  /** keys[layer] and values[layer], each of length numKvHeads × length × headDim. */
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  /** Set while the block is still a row of a batched `present` output (see BatchRowBlock). */
  readonly view?: BatchRowView;
  /**
   * Set when the K/V is the session's own `present` tensors (the device-resident path): fed back
   * as they are; `keys`/`values` are readable only after `device.download()` (device-kv.ts).
   */
  readonly device?: DeviceKv;
}

/**
 * A batched step's K/V and the attention mask its rows were computed with: either its `present`
 * outputs (`stride` = `total`), or the batch's own buffers with room to grow (`stride` > `total`,
 * `buffer` set), which later steps of the batch extend in place.
 */
export interface BatchKvState {
  readonly batch: number;
  /** T: time slots in use, [0, T) of each row. */
  readonly total: number;
  /** Time axis length of the tensors (≥ T; slots [T, stride) are free room). */
  readonly stride: number;
  /** Per layer [B, H, stride, D]. */
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  /** [B, T]; 1 marks a real slot of that row, 0 padding. */
  readonly mask: BigInt64Array;
  /**
   * Set when the tensors are a growable batch buffer: how many slots are filled so far, shared by
   * every state of that buffer. Only the state whose `total` equals it may be extended in place
   * (an older state's slots beyond its own `total` belong to a later step).
   */
  readonly buffer?: { filled: number };
  /** Set when the tensors are the step's `present` kept as the session returned them. */
  readonly device?: DeviceKv;
}

export interface BatchRowView {
  readonly state: BatchKvState;
  readonly row: number;
}

/** Counts bytes the runtime copies in JS (not the copies ORT makes inside the graph). */
export class CopyMeter {
  bytes = 0;
  constructor(private readonly onCopy?: (bytes: number) => void) {}
  add(bytes: number): void {
    this.bytes += bytes;
    this.onCopy?.(bytes);
  }
}

export function emptyBlock(numLayers: number, numKvHeads: number, headDim: number): KvBlock {
  const empty = Array.from({ length: numLayers }, () => new Float32Array(0));
  return {
    numLayers,
    numKvHeads,
    headDim,
    length: 0,
    positions: new Int32Array(0),
    keys: empty,
    values: empty,
  };
}

/** Exact bytes of the block once compact: 2 × layers × kv heads × length × head dim × 4. */
export function blockBytes(block: KvBlock): number {
  return 2 * block.numLayers * block.numKvHeads * block.length * block.headDim * 4;
}

export function sequentialPositions(from: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = from + i;
  return out;
}

/** A half-open run of slots [start, end) in a source tensor's time axis. */
export interface SlotRun {
  readonly start: number;
  readonly end: number;
}

export function runsLength(runs: readonly SlotRun[]): number {
  return runs.reduce((n, r) => n + (r.end - r.start), 0);
}

/**
 * Gathers `runs` of the time axis of a [.., H, srcLen, D] tensor (row `row` of a batch) into a new
 * contiguous [H, sum(runs), D] array. Copies exactly the selected slots.
 */
export function gatherSlots(
  src: Float32Array,
  row: number,
  numKvHeads: number,
  srcLen: number,
  headDim: number,
  runs: readonly SlotRun[],
  meter?: CopyMeter,
): Float32Array {
  const outLen = runsLength(runs);
  const out = new Float32Array(numKvHeads * outLen * headDim);
  const rowBase = row * numKvHeads * srcLen * headDim;
  for (let h = 0; h < numKvHeads; h++) {
    const srcHead = rowBase + h * srcLen * headDim;
    let dst = h * outLen * headDim;
    for (const r of runs) {
      const n = (r.end - r.start) * headDim;
      out.set(src.subarray(srcHead + r.start * headDim, srcHead + r.start * headDim + n), dst);
      dst += n;
    }
  }
  meter?.add(out.byteLength);
  return out;
}

/** A new block made of the given slot runs of `block` (e.g. a prefix on rewind). */
export function selectSlots(block: KvBlock, runs: readonly SlotRun[], meter?: CopyMeter): KvBlock {
  const { numLayers, numKvHeads, headDim, length } = block;
  if (runs.length === 1 && runs[0].start === 0 && runs[0].end === length) return block;
  const positions = new Int32Array(runsLength(runs));
  let i = 0;
  for (const r of runs) {
    positions.set(block.positions.subarray(r.start, r.end), i);
    i += r.end - r.start;
  }
  const pick = (a: Float32Array): Float32Array =>
    gatherSlots(a, 0, numKvHeads, length, headDim, runs, meter);
  return {
    numLayers,
    numKvHeads,
    headDim,
    length: positions.length,
    positions,
    keys: block.keys.map(pick),
    values: block.values.map(pick),
  };
}

/** Keeps the slots whose absolute position is below `position` (a rewind). */
export function truncateToPosition(block: KvBlock, position: number, meter?: CopyMeter): KvBlock {
  let end = 0;
  while (end < block.length && block.positions[end] < position) end++;
  return selectSlots(block, [{ start: 0, end }], meter);
}

/** The runs of real (mask 1) slots of one row of a [B, T] attention mask. */
export function maskRuns(mask: BigInt64Array, row: number, total: number): SlotRun[] {
  const runs: SlotRun[] = [];
  let start = -1;
  for (let t = 0; t <= total; t++) {
    const real = t < total && mask[row * total + t] === 1n;
    if (real && start < 0) start = t;
    if (!real && start >= 0) {
      runs.push({ start, end: t });
      start = -1;
    }
  }
  return runs;
}

/**
 * A row of a batched step's output, left in place: the next step of the same batch feeds the
 * whole `present` back as `past` without copying (padding stays masked), and the row is compacted
 * (its real slots gathered) only when something reads its keys/values on their own.
 */
export class BatchRowBlock implements KvBlock {
  private compact: { keys: Float32Array[]; values: Float32Array[] } | undefined;

  constructor(
    readonly view: BatchRowView,
    readonly numLayers: number,
    readonly numKvHeads: number,
    readonly headDim: number,
    readonly positions: Int32Array,
    private readonly meter?: CopyMeter,
  ) {}

  get length(): number {
    return this.positions.length;
  }

  get keys(): readonly Float32Array[] {
    return this.materialize().keys;
  }

  get values(): readonly Float32Array[] {
    return this.materialize().values;
  }

  private materialize(): { keys: Float32Array[]; values: Float32Array[] } {
    if (!this.compact) {
      const { state, row } = this.view;
      const runs = maskRuns(state.mask, row, state.total);
      const pick = (a: Float32Array): Float32Array =>
        gatherSlots(a, row, this.numKvHeads, state.stride, this.headDim, runs, this.meter);
      this.compact = { keys: state.keys.map(pick), values: state.values.map(pick) };
    }
    return this.compact;
  }
}

/** A plain block owning exactly its own K/V (what the cache stores, so its bytes are exact). */
export function compactBlock(block: KvBlock): KvBlock {
  if (!block.view) return block;
  return {
    numLayers: block.numLayers,
    numKvHeads: block.numKvHeads,
    headDim: block.headDim,
    length: block.length,
    positions: block.positions,
    keys: block.keys,
    values: block.values,
  };
}
