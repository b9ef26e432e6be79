import { float16ToFloat32 } from '../formats/float16';

/**
 * The engine's batches are left-padded (a row's real past slots are the mask-1 columns of
 * [0, P), its new tokens the last of the S positions); onnxruntime's GroupQueryAttention wants
 * each row's cache right-aligned at slot 0 with its length taken from the mask, new tokens first
 * and padding after. Pure mappings between the two, over float32 or float16 (Uint16Array) data.
 */
export type KvArray = Float32Array | Uint16Array;

export function toFloat32(data: KvArray): Float32Array {
  return data instanceof Float32Array ? data : float16ToFloat32(data);
}

export function sameKind(like: KvArray, length: number): KvArray {
  return like instanceof Float32Array ? new Float32Array(length) : new Uint16Array(length);
}

/** Real (mask 1) columns of one row in [from, to) of a [B, T] mask, as [start, end) runs. */
export function rowRuns(
  mask: BigInt64Array,
  row: number,
  total: number,
  from: number,
  to: number,
): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let t = from; t <= to; t++) {
    const real = t < to && mask[row * total + t] === 1n;
    if (real && start < 0) start = t;
    if (!real && start >= 0) {
      runs.push([start, t]);
      start = -1;
    }
  }
  return runs;
}

export function runsLength(runs: readonly [number, number][]): number {
  return runs.reduce((n, [a, z]) => n + z - a, 0);
}

/** Each row's real past slots of a [B, H, P, D] tensor, copied to [0, length) of [B, H, C, D]. */
export function gatherRightAligned(
  src: KvArray,
  pastRuns: readonly (readonly [number, number][])[],
  dims: { heads: number; pastLen: number; headDim: number; capacity: number },
): KvArray {
  const { heads: H, pastLen: P, headDim: D, capacity: C } = dims;
  const B = pastRuns.length;
  const dst = sameKind(src, B * H * C * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const srcHead = (b * H + h) * P * D;
      let at = (b * H + h) * C * D;
      for (const [a, z] of pastRuns[b]) {
        dst.set(src.subarray(srcHead + a * D, srcHead + z * D), at);
        at += (z - a) * D;
      }
    }
  }
  return dst;
}

/** Left-padded [B, S] new tokens → each row's real tokens first (padding id 0 after). */
export function rightAlignTokens(
  ids: BigInt64Array,
  newLens: readonly number[],
  S: number,
): BigInt64Array {
  const out = new BigInt64Array(ids.length);
  newLens.forEach((s, b) => out.set(ids.subarray(b * S + S - s, (b + 1) * S), b * S));
  return out;
}

/** [B, S, V] logits of right-aligned rows → float32 in the engine's left-padded positions. */
export function leftAlignLogits(raw: KvArray, newLens: readonly number[], S: number): Float32Array {
  const B = newLens.length;
  const V = raw.length / (B * S);
  const logits = new Float32Array(B * S * V);
  newLens.forEach((s, b) => {
    logits.set(toFloat32(raw.subarray(b * S * V, (b * S + s) * V)), (b * S + S - s) * V);
  });
  return logits;
}

/**
 * This step's K/V of each row, read from slots [pastLen, pastLen + s) of the right-aligned
 * [B, H, C, D] buffer, as the float32 [B, H, S, D] the engine writes after a growing step
 * (left-padded: a row's s new slots are the last of S).
 */
export function newSlotsLeftAligned(
  buf: KvArray,
  pastLens: readonly number[],
  newLens: readonly number[],
  dims: { heads: number; headDim: number; capacity: number; seqLen: number },
): Float32Array {
  const { heads: H, headDim: D, capacity: C, seqLen: S } = dims;
  const B = newLens.length;
  const out = new Float32Array(B * H * S * D);
  for (let b = 0; b < B; b++) {
    const s = newLens[b];
    for (let h = 0; h < H; h++) {
      const from = ((b * H + h) * C + pastLens[b]) * D;
      out.set(toFloat32(buf.subarray(from, from + s * D)), ((b * H + h) * S + S - s) * D);
    }
  }
  return out;
}

export function concatArrays(parts: readonly KvArray[]): KvArray {
  if (parts.length === 1) return parts[0];
  const out = sameKind(
    parts[0],
    parts.reduce((a, p) => a + p.length, 0),
  );
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
