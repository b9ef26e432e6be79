import { BatchKvState, BatchRowBlock, CopyMeter, KvBlock, maskRuns, SlotRun } from '../kv/kv-block';
import { DeviceBlock, deviceBatchState, DeviceKv, KvTensors } from '../kv/device-kv';

/** One sequence's forward step: its cached past and the new tokens with their positions. */
export interface StepRow {
  readonly past: KvBlock;
  readonly tokens: readonly number[];
  /** Absolute position of each new token. */
  readonly positions: readonly number[];
  /** False for branches whose K/V is thrown away (option scoring): skips keeping it. */
  readonly keepCache?: boolean;
}

/** Inputs of one `session.run`, in the decoder-with-past layout. */
export interface PackedStep {
  readonly batch: number;
  /** S: new tokens per row after left padding. */
  readonly seqLen: number;
  /** P: past slots per row after padding. */
  readonly pastLen: number;
  readonly inputIds: BigInt64Array;
  /** [B, P + S]: 1 for real past and new tokens, 0 for padding. */
  readonly attentionMask: BigInt64Array;
  readonly positionIds: BigInt64Array;
  /** Per layer [B, H, P, D]; empty when the past is fed as tensors (`pastDevice`). */
  readonly pastKeys: readonly Float32Array[];
  readonly pastValues: readonly Float32Array[];
  /**
   * The past as an earlier step's `present` tensors, fed as they are (the device-resident path:
   * a single row's own cache, or the batch these rows continue); the engine never reads them.
   */
  readonly pastDevice?: KvTensors;
  /** Packed row of each input row (rows may be reordered to continue a batch in place). */
  readonly rowOf: readonly number[];
  /**
   * Set when the past is the batch's own growable buffer (`pastLen` = its stride): the step
   * fetches only the new K/V, which `unpackRow` writes into slots [filled, filled + S).
   */
  readonly grow?: {
    readonly keys: readonly Float32Array[];
    readonly values: readonly Float32Array[];
    readonly filled: number;
    readonly buffer: { filled: number };
  };
}

/** Outputs of one `session.run`. */
export interface StepOutputs {
  /** [B, S, V] */
  readonly logits: Float32Array;
  /** Per layer [B, H, P + S, D]; empty when the step grows its own buffer (`grow`). */
  readonly presentKeys: readonly Float32Array[];
  readonly presentValues: readonly Float32Array[];
  /** Per layer [B, H, S, D], this step's K/V: fetched instead of `present` by a `grow` step. */
  readonly newKeys?: readonly Float32Array[];
  readonly newValues?: readonly Float32Array[];
  /**
   * The device-resident path: `present` kept as the session's tensors (presentKeys/Values are
   * then empty); the rows' blocks hold it and feed it back as the next `past`.
   */
  readonly presentDevice?: DeviceKv;
}

/** How a step is packed: `headroom` > 0 lets a batch (B > 1) grow its own K/V buffer in place. */
export interface PackOptions {
  /** Free slots a new batch buffer gets beyond its first step; 0: feed `present` back. */
  readonly headroom?: number;
}

export interface RowResult {
  /** [S_row, V], a view over the batch logits. */
  readonly logits: Float32Array;
  /** The row's past plus its new tokens; null when the row did not keep its cache. */
  readonly block: KvBlock | null;
}

/**
 * The batched state the rows continue, when they are exactly the rows of one earlier batched
 * step (e.g. the next token of a batch of generations): then its `present` is fed back as is.
 */
function continuedState(rows: readonly StepRow[], seqLen: number): BatchKvState | undefined {
  const state = rows[0].past.view?.state;
  // Rows that finished (eos, stop) stay in the batch as idle rows while at least half are live:
  // their wasted compute is cheaper than copying every live row's past into a new batch.
  if (!state || rows.length > state.batch || 2 * rows.length < state.batch) return undefined;
  // A growable buffer continues in place only from its latest state, and only while it has room.
  if (state.buffer && (state.buffer.filled !== state.total || state.total + seqLen > state.stride))
    return undefined;
  const seen = new Set<number>();
  for (const r of rows) {
    if (r.past.view?.state !== state) return undefined;
    seen.add(r.past.view.row);
  }
  return seen.size === rows.length ? state : undefined;
}

/**
 * Whether packing these rows reads their past K/V in JS (rows copied into a padded batch, or a
 * row of an earlier batch gathered on its own); false when the past is fed as it is (one row's
 * own cache, or the rows continue one earlier batched step). The device-resident path downloads
 * the pasts first exactly when this is true.
 */
export function pastReadInJs(rows: readonly StepRow[]): boolean {
  if (rows.length === 0) return false;
  const seqLen = Math.max(...rows.map((r) => r.tokens.length));
  if (continuedState(rows, seqLen)) return false;
  return rows.length > 1 || rows[0].past.view !== undefined;
}

interface PastSource {
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  readonly row: number;
  /** Time axis length of the source tensors. */
  readonly stride: number;
  readonly runs: readonly SlotRun[];
}

/** Where a row's real past slots are, without compacting a batched view first. */
function pastSource(past: KvBlock): PastSource {
  if (past.view) {
    const { state, row } = past.view;
    return {
      keys: state.keys,
      values: state.values,
      row,
      stride: state.stride,
      runs: maskRuns(state.mask, row, state.total),
    };
  }
  return {
    keys: past.keys,
    values: past.values,
    row: 0,
    stride: past.length,
    runs: past.length > 0 ? [{ start: 0, end: past.length }] : [],
  };
}

/**
 * Copies each row's real past slots right-aligned into [0, P) of fresh [B, H, stride, D] tensors
 * (stride ≥ P; slots [P, stride) stay free).
 */
function padLeft(
  rows: readonly StepRow[],
  pastLen: number,
  meter?: CopyMeter,
  stride = pastLen,
): { keys: Float32Array[]; values: Float32Array[] } {
  const { numLayers: L, numKvHeads: H, headDim: D } = rows[0].past;
  const B = rows.length;
  const keys = Array.from({ length: L }, () => new Float32Array(B * H * stride * D));
  const values = Array.from({ length: L }, () => new Float32Array(B * H * stride * D));
  rows.forEach((row, b) => {
    const src = pastSource(row.past);
    const P = row.past.length;
    for (let l = 0; l < L; l++) {
      for (const [from, to] of [
        [src.keys[l], keys[l]],
        [src.values[l], values[l]],
      ] as const) {
        for (let h = 0; h < H; h++) {
          const srcHead = (src.row * H + h) * src.stride * D;
          let dst = ((b * H + h) * stride + (pastLen - P)) * D;
          for (const r of src.runs) {
            const n = (r.end - r.start) * D;
            to.set(from.subarray(srcHead + r.start * D, srcHead + r.start * D + n), dst);
            dst += n;
          }
        }
      }
    }
    meter?.add(2 * L * H * P * D * 4);
  });
  return { keys, values };
}

/**
 * Packs rows into one step. Each row's new tokens are right-aligned in [P, P+S) and padding is
 * masked out, so every row computes what it would alone. The past is fed without copying when
 * there is one row, or when the rows continue one earlier batched step (its `present` and mask
 * are reused as they are); otherwise each row's past is copied right-aligned into [0, P).
 */
export function packStep(
  rows: readonly StepRow[],
  meter?: CopyMeter,
  options: PackOptions = {},
): PackedStep {
  if (rows.length === 0) throw new RangeError('empty step');
  const seqLen = Math.max(...rows.map((r) => r.tokens.length));
  const state = continuedState(rows, seqLen);
  const B = state ? state.batch : rows.length;
  const headroom = options.headroom ?? 0;
  // A batch grows its own buffer when the backend can return just the new K/V: feeding the
  // buffer and writing S slots per step replaces copying the whole cache out as `present`.
  const growing = state ? state.buffer !== undefined : B > 1 && headroom > 0;
  const rowOf = rows.map((r, b) => (state ? (r.past.view as { row: number }).row : b));
  // Slots [0, realPast) of the fed past hold real (or padded) entries; with a growable buffer
  // the fed past is the whole buffer, its free slots masked out.
  const realPast = state ? state.total : Math.max(...rows.map((r) => r.past.length));
  const stride = state ? state.stride : growing ? realPast + seqLen + headroom : realPast;
  const pastLen = stride;
  const total = pastLen + seqLen;
  const inputIds = new BigInt64Array(B * seqLen);
  const positionIds = new BigInt64Array(B * seqLen);
  const attentionMask = new BigInt64Array(B * total);
  rows.forEach((row, i) => {
    const b = rowOf[i];
    const S = row.tokens.length;
    const P = row.past.length;
    if (S === 0) throw new RangeError('a step row needs at least one token');
    if (row.positions.length !== S) throw new RangeError('positions and tokens differ in length');
    for (let j = 0; j < S; j++) {
      inputIds[b * seqLen + seqLen - S + j] = BigInt(row.tokens[j]);
      positionIds[b * seqLen + seqLen - S + j] = BigInt(row.positions[j]);
    }
    if (state) {
      attentionMask.set(state.mask.subarray(b * realPast, (b + 1) * realPast), b * total);
    } else {
      for (let t = realPast - P; t < realPast; t++) attentionMask[b * total + t] = 1n;
    }
    for (let t = total - S; t < total; t++) attentionMask[b * total + t] = 1n;
  });
  if (state && rows.length < B) {
    // Idle rows run a padding token over their own past; their outputs are never read.
    const live = new Set(rowOf);
    for (let b = 0; b < B; b++) {
      if (live.has(b)) continue;
      attentionMask.set(state.mask.subarray(b * realPast, (b + 1) * realPast), b * total);
      attentionMask[b * total + total - 1] = 1n;
      positionIds[b * seqLen + seqLen - 1] = BigInt(realPast);
    }
  }
  let pastKeys: readonly Float32Array[];
  let pastValues: readonly Float32Array[];
  let buffer: { filled: number } | undefined;
  const device = state
    ? state.device
    : B === 1 && !rows[0].past.view
      ? rows[0].past.device
      : undefined;
  if (device) {
    // Fed as the session returned it: its K/V is not read here.
    pastKeys = [];
    pastValues = [];
  } else if (state) {
    pastKeys = state.keys;
    pastValues = state.values;
    buffer = state.buffer;
  } else if (B === 1) {
    pastKeys = rows[0].past.keys;
    pastValues = rows[0].past.values;
  } else {
    ({ keys: pastKeys, values: pastValues } = padLeft(rows, realPast, meter, stride));
    if (growing) buffer = { filled: realPast };
  }
  return {
    batch: B,
    seqLen,
    pastLen,
    inputIds,
    attentionMask,
    positionIds,
    pastKeys,
    pastValues,
    ...(device ? { pastDevice: device.tensors } : {}),
    rowOf,
    ...(growing && buffer
      ? { grow: { keys: pastKeys, values: pastValues, filled: realPast, buffer } }
      : {}),
  };
}

/**
 * After a `grow` step: writes its new K/V into slots [filled, filled + S) of the batch buffer and
 * returns the state that covers them (the rows' mask: their past, then this step's new columns).
 */
function grownState(
  packed: PackedStep,
  out: StepOutputs,
  dims: { numLayers: number; numKvHeads: number; headDim: number },
  meter?: CopyMeter,
): BatchKvState {
  const grow = packed.grow!;
  const { batch: B, seqLen: S, pastLen: stride } = packed;
  const { numLayers: L, numKvHeads: H, headDim: D } = dims;
  if (!out.newKeys || !out.newValues) throw new Error('a grow step needs the new K/V outputs');
  const from = grow.filled;
  for (let l = 0; l < L; l++) {
    for (const [src, dst] of [
      [out.newKeys[l], grow.keys[l]],
      [out.newValues[l], grow.values[l]],
    ] as const) {
      for (let bh = 0; bh < B * H; bh++)
        dst.set(src.subarray(bh * S * D, (bh + 1) * S * D), (bh * stride + from) * D);
    }
  }
  meter?.add(2 * L * B * H * S * D * 4);
  const total = from + S;
  const fed = stride + S;
  const mask = new BigInt64Array(B * total);
  for (let b = 0; b < B; b++) {
    mask.set(packed.attentionMask.subarray(b * fed, b * fed + from), b * total);
    mask.set(packed.attentionMask.subarray(b * fed + stride, (b + 1) * fed), b * total + from);
  }
  grow.buffer.filled = total;
  return {
    batch: B,
    total,
    stride,
    keys: grow.keys,
    values: grow.values,
    mask,
    buffer: grow.buffer,
  };
}

/** One state per step output, shared by its rows (continuation checks identity). */
const statesByOutput = new WeakMap<StepOutputs, BatchKvState>();

/**
 * One row of a step's outputs. A single row adopts `present` as its compact cache; a row of a
 * batch stays a view into the batched `present` (compacted only if read on its own).
 */
export function unpackRow(
  packed: PackedStep,
  rows: readonly StepRow[],
  i: number,
  out: StepOutputs,
  meter?: CopyMeter,
): RowResult {
  const row = rows[i];
  const b = packed.rowOf[i];
  const { seqLen: S, pastLen: P, batch: B } = packed;
  const { numLayers, numKvHeads, headDim } = row.past;
  const V = out.logits.length / (B * S);
  const s = row.tokens.length;
  const logits = out.logits.subarray((b * S + S - s) * V, (b + 1) * S * V);
  if (row.keepCache === false) return { logits, block: null };
  const positions = new Int32Array(row.past.length + s);
  positions.set(row.past.positions, 0);
  positions.set(row.positions, row.past.length);
  if (B === 1 && out.presentDevice) {
    // The row's owner holds the tensors until it lets go of the block (device-kv.ts).
    out.presentDevice.retain();
    return {
      logits,
      block: new DeviceBlock(out.presentDevice, numLayers, numKvHeads, headDim, positions),
    };
  }
  if (B === 1) {
    const block: KvBlock = {
      numLayers,
      numKvHeads,
      headDim,
      length: positions.length,
      positions,
      keys: out.presentKeys,
      values: out.presentValues,
    };
    return { logits, block };
  }
  let state = statesByOutput.get(out);
  if (!state) {
    state = packed.grow
      ? grownState(packed, out, row.past, meter)
      : out.presentDevice
        ? deviceBatchState(B, P + S, packed.attentionMask, out.presentDevice)
        : {
            batch: B,
            total: P + S,
            stride: P + S,
            keys: out.presentKeys,
            values: out.presentValues,
            mask: packed.attentionMask,
          };
    statesByOutput.set(out, state);
  }
  // Each row's block is one hold on the batch's device tensors.
  state.device?.retain();
  return {
    logits,
    block: new BatchRowBlock({ state, row: b }, numLayers, numKvHeads, headDim, positions, meter),
  };
}

/**
 * Whether a row may join a batch without padding wasting more than about a third of the work: new
 * tokens are padded to the longest row (a 1-token decode row must not ride along with a
 * 512-token prefill) and pasts to the longest past (copied, and attended over, per row).
 */
export function rowsCompatible(batch: readonly StepRow[], row: StepRow): boolean {
  const rows = [...batch, row];
  const n = rows.length;
  const seq = rows.map((r) => r.tokens.length);
  const past = rows.map((r) => r.past.length);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return (
    n * Math.max(...seq) <= 1.5 * sum(seq) + 8 * n &&
    n * Math.max(...past) <= 1.5 * sum(past) + 256 * n
  );
}
