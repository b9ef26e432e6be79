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
