import { onnx } from 'onnx-proto';

/** Small helper over onnx-proto: unique value names, nodes, initializers, typed I/O. */

export type Dim = number | string;
export type TensorKind = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

const DATA_TYPE: Record<TensorKind, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

export type AttrValue = number | number[] | string | { float: number };

export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly counters = new Map<string, number>();
  private readonly constCache = new Map<string, string>();

  fresh(prefix: string): string {
    const n = this.counters.get(prefix) ?? 0;
    this.counters.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }

  input(name: string, kind: TensorKind, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, kind, dims));
    return name;
  }

  output(name: string, kind: TensorKind, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, kind, dims));
  }

  /** Adds a node with one output; returns the output name (given or fresh). */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outName?: string,
    domain = '',
  ): string {
    const out = outName ?? this.fresh(`${opType.toLowerCase()}_out`);
    this.opMulti(opType, inputs, [out], attrs, domain);
    return out;
  }

  opMulti(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, AttrValue> = {},
    domain = '',
  ): string[] {
    this.nodes.push({
      opType,
      domain,
      name: this.fresh(`${opType}_node`),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return outputs;
  }

  /** A named initializer from raw typed data. */
  tensor(
    name: string,
    kind: TensorKind,
    dims: number[],
    data: Float32Array | Uint16Array | Int32Array | Int8Array | Uint8Array | BigInt64Array,
  ): string {
    this.initializers.push({
      name,
      dataType: DATA_TYPE[kind],
      dims,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** Small shared constants (deduplicated). */
  i64(values: number[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.tensor(
      this.fresh('const_i64'),
      'int64',
      dims,
      BigInt64Array.from(values.map((v) => BigInt(v))),
    );
    this.constCache.set(key, name);
    return name;
  }

  f32(values: number[], dims: number[] = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.tensor(this.fresh('const_f32'), 'float32', dims, Float32Array.from(values));
    this.constCache.set(key, name);
    return name;
  }

  encode(opts: {
    opset: number;
    producer: string;
    docString?: string;
    metadata?: Record<string, string>;
  }): Uint8Array {
    const opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: opts.opset }];
    if (this.nodes.some((n) => n.domain === 'com.microsoft')) {
      opsetImport.push({ domain: 'com.microsoft', version: 1 });
    }
    const model = this.model(opts, opsetImport);
    return onnx.ModelProto.encode(model).finish();
  }

  /**
   * The model with initializers of at least `threshold` bytes in an external data file (as
   * Optimum and onnxruntime-genai write models over 2 GiB): `model` refers to `location`, a file
   * beside it, which holds `data`.
   */
  encodeWithExternalData(
    opts: {
      opset: number;
      producer: string;
      docString?: string;
      metadata?: Record<string, string>;
    },
    location: string,
    threshold = 1024,
  ): { model: Uint8Array; data: Uint8Array } {
    const opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: opts.opset }];
    if (this.nodes.some((n) => n.domain === 'com.microsoft')) {
      opsetImport.push({ domain: 'com.microsoft', version: 1 });
    }
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const external = this.initializers.map((t) => {
      const raw = t.rawData as Uint8Array;
      if (raw.byteLength < threshold) return t;
      // 4096-aligned offsets, as onnx's save_model, so onnxruntime may map them.
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad > 0) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(raw);
      const entry: onnx.ITensorProto = {
        ...t,
        rawData: undefined,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(raw.byteLength) },
        ],
      };
      offset += raw.byteLength;
      return entry;
    });
    const model = this.model(opts, opsetImport, external);
    const data = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.byteLength;
    }
    return { model: onnx.ModelProto.encode(model).finish(), data };
  }

  private model(
    opts: { producer: string; docString?: string; metadata?: Record<string, string> },
    opsetImport: onnx.IOperatorSetIdProto[],
    initializers: onnx.ITensorProto[] = this.initializers,
  ): onnx.ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      opsetImport,
      producerName: opts.producer,
      producerVersion: '1',
      docString: opts.docString ?? '',
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: 'decoder',
        node: this.nodes,
        initializer: initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}

function valueInfo(name: string, kind: TensorKind, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[kind],
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'object') return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.INT, i: v };
}
