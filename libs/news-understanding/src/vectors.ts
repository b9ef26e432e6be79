/** Dot product; the cosine of two unit vectors. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`vectors of ${a.length} and ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Mean over `tokens` rows of a [tokens × dim] matrix, then unit length (sentence-transformers). */
export function meanPoolNormalise(data: Float32Array, tokens: number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let t = 0; t < tokens; t++) for (let d = 0; d < dim; d++) v[d] += data[t * dim + d];
  let norm = 0;
  for (let d = 0; d < dim; d++) {
    v[d] /= tokens;
    norm += v[d] * v[d];
  }
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < dim; d++) v[d] /= norm;
  return v;
}
