/**
 * Symmetric int8 weight quantization with one scale per output column, the weight half of
 * onnxruntime's `quantize_dynamic` (per_channel=True, weight_type=QInt8). Activations are
 * quantized at run time in the graph (DynamicQuantizeLinear, uint8 asymmetric).
 */
export interface QuantizedMatrix {
  /** Row-major [rows, cols], zero point 0. */
  values: Int8Array;
  /** One scale per column; w[r, c] ~= values[r, c] * scales[c]. */
  scales: Float32Array;
}

export function quantizeColumnsInt8(w: Float32Array, rows: number, cols: number): QuantizedMatrix {
  const maxAbs = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[base + c]);
      if (a > maxAbs[c]) maxAbs[c] = a;
    }
  }
  const scales = new Float32Array(cols);
  for (let c = 0; c < cols; c++) scales[c] = maxAbs[c] > 0 ? maxAbs[c] / 127 : 1;
  const values = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const q = Math.round(w[base + c] / scales[c]);
      values[base + c] = q > 127 ? 127 : q < -127 ? -127 : q;
    }
  }
  return { values, scales };
}

/** Same, one scale per row (used for the embedding, whose rows are also lm_head's columns). */
export function quantizeRowsInt8(w: Float32Array, rows: number, cols: number): QuantizedMatrix {
  const scales = new Float32Array(rows);
  const values = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let maxAbs = 0;
    for (let c = 0; c < cols; c++) maxAbs = Math.max(maxAbs, Math.abs(w[base + c]));
    const scale = maxAbs > 0 ? maxAbs / 127 : 1;
    scales[r] = scale;
    for (let c = 0; c < cols; c++) {
      const q = Math.round(w[base + c] / scale);
      values[base + c] = q > 127 ? 127 : q < -127 ? -127 : q;
    }
  }
  return { values, scales };
}

/** onnxruntime `MatMulNBits` (bits 4) weights: per output column, blocks of the input axis. */
export interface Int4BlockMatrix {
  /** [N, blocks, blockSize / 2]: two 4-bit values a byte, the lower index in the low nibble. */
  packed: Uint8Array;
  /** [N × blocks]; w ≈ (q − 8) × scale, q in [1, 15] (the op's default zero point is 8). */
  scales: Float32Array;
  blocks: number;
}

/**
 * Symmetric 4-bit quantization of an [inDim, outDim] row-major weight for MatMulNBits (as the
 * onnxruntime-genai builder's int4 RTN): scale = max|w| / 7 per block of `blockSize` inputs of one
 * output column; a last partial block is padded with zeros (q = 8).
 */
export function quantizeBlockwiseInt4(
  w: Float32Array,
  inDim: number,
  outDim: number,
  blockSize = 32,
): Int4BlockMatrix {
  const blocks = Math.ceil(inDim / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(outDim * blocks * blob);
  const scales = new Float32Array(outDim * blocks);
  for (let n = 0; n < outDim; n++) {
    for (let b = 0; b < blocks; b++) {
      let maxAbs = 0;
      for (let k = b * blockSize; k < Math.min(inDim, (b + 1) * blockSize); k++)
        maxAbs = Math.max(maxAbs, Math.abs(w[k * outDim + n]));
      const scale = maxAbs > 0 ? maxAbs / 7 : 1;
      scales[n * blocks + b] = scale;
      for (let j = 0; j < blockSize; j++) {
        const k = b * blockSize + j;
        const q = k < inDim ? Math.max(-7, Math.min(7, Math.round(w[k * outDim + n] / scale))) : 0;
        const at = (n * blocks + b) * blob + (j >> 1);
        packed[at] |= (q + 8) << ((j & 1) * 4);
      }
    }
  }
  return { packed, scales, blocks };
}
