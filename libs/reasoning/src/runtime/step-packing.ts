import { BatchKvState, BatchRowBlock, CopyMeter, KvBlock, maskRuns, SlotRun } from '../kv/kv-block';

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
  /** Per layer [B, H, P, D]. */
  readonly pastKeys: readonly Float32Array[];
  readonly pastValues: readonly Float32Array[];
  /** Packed row of each input row (rows may be reordered to continue a batch in place). */
  readonly rowOf: readonly number[];
}

/** Outputs of one `session.run`. */
export interface StepOutputs {
  /** [B, S, V] */
  readonly logits: Float32Array;
  /** Per layer [B, H, P + S, D]. */
  readonly presentKeys: readonly Float32Array[];
  readonly presentValues: readonly Float32Array[];
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
function continuedState(rows: readonly StepRow[]): BatchKvState | undefined {
  const state = rows[0].past.view?.state;
  // Rows that finished (eos, stop) stay in the batch as idle rows while at least half are live:
  // their wasted compute is cheaper than copying every live row's past into a new batch.
  if (!state || rows.length > state.batch || 2 * rows.length < state.batch) return undefined;
  const seen = new Set<number>();
  for (const r of rows) {
    if (r.past.view?.state !== state) return undefined;
    seen.add(r.past.view.row);
  }
  return seen.size === rows.length ? state : undefined;
}

interface PastSource {
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  readonly row: number;
  readonly total: number;
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
      total: state.total,
      runs: maskRuns(state.mask, row, state.total),
    };
  }
  return {
    keys: past.keys,
    values: past.values,
    row: 0,
    total: past.length,
    runs: past.length > 0 ? [{ start: 0, end: past.length }] : [],
  };
}

/** Copies each row's real past slots right-aligned into fresh [B, H, P, D] tensors. */
function padLeft(
  rows: readonly StepRow[],
  pastLen: number,
  meter?: CopyMeter,
): { keys: Float32Array[]; values: Float32Array[] } {
  const { numLayers: L, numKvHeads: H, headDim: D } = rows[0].past;
  const B = rows.length;
  const keys = Array.from({ length: L }, () => new Float32Array(B * H * pastLen * D));
  const values = Array.from({ length: L }, () => new Float32Array(B * H * pastLen * D));
  rows.forEach((row, b) => {
    const src = pastSource(row.past);
    const P = row.past.length;
    for (let l = 0; l < L; l++) {
      for (const [from, to] of [
        [src.keys[l], keys[l]],
        [src.values[l], values[l]],
      ] as const) {
        for (let h = 0; h < H; h++) {
          const srcHead = (src.row * H + h) * src.total * D;
          let dst = ((b * H + h) * pastLen + (pastLen - P)) * D;
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
export function packStep(rows: readonly StepRow[], meter?: CopyMeter): PackedStep {
  if (rows.length === 0) throw new RangeError('empty step');
  const seqLen = Math.max(...rows.map((r) => r.tokens.length));
  const state = continuedState(rows);
  const B = state ? state.batch : rows.length;
  const rowOf = rows.map((r, b) => (state ? (r.past.view as { row: number }).row : b));
  const pastLen = state ? state.total : Math.max(...rows.map((r) => r.past.length));
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
      attentionMask.set(state.mask.subarray(b * pastLen, (b + 1) * pastLen), b * total);
    } else {
      for (let t = pastLen - P; t < pastLen; t++) attentionMask[b * total + t] = 1n;
    }
    for (let t = total - S; t < total; t++) attentionMask[b * total + t] = 1n;
  });
  if (state && rows.length < B) {
    // Idle rows run a padding token over their own past; their outputs are never read.
    const live = new Set(rowOf);
    for (let b = 0; b < B; b++) {
      if (live.has(b)) continue;
      attentionMask.set(state.mask.subarray(b * pastLen, (b + 1) * pastLen), b * total);
      attentionMask[b * total + total - 1] = 1n;
      positionIds[b * seqLen + seqLen - 1] = BigInt(pastLen);
    }
  }
  let pastKeys: readonly Float32Array[];
  let pastValues: readonly Float32Array[];
  if (state) {
    pastKeys = state.keys;
    pastValues = state.values;
  } else if (B === 1) {
    pastKeys = rows[0].past.keys;
    pastValues = rows[0].past.values;
  } else {
    ({ keys: pastKeys, values: pastValues } = padLeft(rows, pastLen, meter));
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
    rowOf,
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
    state = {
      batch: B,
      total: P + S,
      keys: out.presentKeys,
      values: out.presentValues,
      mask: packed.attentionMask,
    };
    statesByOutput.set(out, state);
  }
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
