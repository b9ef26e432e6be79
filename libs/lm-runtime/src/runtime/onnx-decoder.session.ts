import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { float16ToFloat32, float32ToFloat16 } from '../formats/float16';
import { ModelFormat, readModelFormat } from '../formats/model-format';
import { withNewKvOutputs } from '../formats/new-kv-outputs';
import { DeviceKv, KvTransferMeter } from '../kv/device-kv';
import type { ModelSpec } from '../model-spec';
import {
  concatArrays,
  gatherRightAligned,
  KvArray,
  leftAlignLogits,
  newSlotsLeftAligned,
  rightAlignTokens,
  rowRuns,
  runsLength,
  toFloat32,
} from './right-aligned-kv';
import type { PackedStep, StepOutputs } from './step-packing';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface DecoderSessionOptions {
  /** Tried in order; `cpu` is always tried last unless `requireAccelerator`. */
  readonly executionProviders: readonly string[];
  readonly intraOpNumThreads?: number;
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /** GPU ordinal for `cuda` (default 0). */
  readonly deviceId?: number;
  /** Fail instead of falling back to CPU when no listed accelerator opens (benchmarks, checks). */
  readonly requireAccelerator?: boolean;
  /**
   * Keep K/V as the session's own tensors (`preferredOutputLocation: 'gpu-buffer'` for the
   * `present` outputs), fed back without a copy: `auto` (default) on when the opened execution
   * provider is not `cpu`; `true` on any provider (CPU tests exercise the path); `false` off.
   */
  readonly kvOnDevice?: 'auto' | boolean;
}

/** Whether the device-resident K/V path is on for a session opened on `ep`. */
export function kvOnDeviceFor(setting: 'auto' | boolean | undefined, ep: string): boolean {
  return setting === undefined || setting === 'auto' ? ep !== 'cpu' : setting;
}

export interface SessionLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** How the opened model's I/O was understood (logged, and printed by benchmarks). */
export interface DecoderLayout {
  readonly exporter: ModelFormat['exporter'];
  readonly attention: ModelFormat['attention'];
  readonly kvType: 'float32' | 'float16';
  readonly hasPositionIds: boolean;
  /**
   * How a growing batch gets a step's new K/V: the model's `present_new` outputs, the same
   * outputs added at load to an export's present `Concat`s (`derived`), or GroupQueryAttention
   * writing into the batch's own shared past/present buffer in place; `none`: batches feed the
   * whole `present` back (a graph whose present is not a Concat).
   */
  readonly newKv: 'output' | 'derived' | 'shared-buffer' | 'none';
}

/** The one side effect of the runtime: a decoder-with-past forward step. */
export interface DecoderBackend {
  readonly executionProvider: string;
  /** A batch step may return only its new K/V (`StepOutputs.newKeys`): batches grow in place. */
  readonly hasNewKv: boolean;
  readonly layout?: DecoderLayout;
  /**
   * K/V stays as the session's tensors (StepOutputs.presentDevice; PackedStep.pastDevice fed as
   * is). `transfers` counts K/V crossing between host and device: on a device provider whatever
   * the path, and on the device path forced on CPU (what a device would move).
   */
  readonly kvOnDevice?: boolean;
  readonly transfers?: KvTransferMeter;
  run(step: PackedStep): Promise<StepOutputs>;
  release(): Promise<void>;
}

export class DecoderSignatureError extends Error {
  override readonly name = 'DecoderSignatureError';
}

interface IoNames {
  readonly pastKeys: string[];
  readonly pastValues: string[];
  readonly presentKeys: string[];
  readonly presentValues: string[];
  /** `present_new.{i}.key/value` (this step's K/V only), when the model has them. */
  readonly newKeys: string[] | null;
  readonly newValues: string[] | null;
  readonly logits: string;
  readonly hasPositionIds: boolean;
  readonly hasUseCacheBranch: boolean;
}

const HF_TEMPLATES: Pick<
  ModelFormat['names'],
  'pastKey' | 'pastValue' | 'presentKey' | 'presentValue' | 'logits'
> = {
  pastKey: 'past_key_values.%d.key',
  pastValue: 'past_key_values.%d.value',
  presentKey: 'present.%d.key',
  presentValue: 'present.%d.value',
  logits: 'logits',
};

function templatePattern(template: string): RegExp {
  const [before, after = ''] = template.split('%d');
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc(before)}(\\d+)${esc(after)}$`);
}

function layerNames(
  names: readonly string[],
  pattern: RegExp,
  layers: number,
  what: string,
): string[] {
  const found = new Map<number, string>();
  for (const n of names) {
    const m = pattern.exec(n);
    if (m) found.set(Number(m[1]), n);
  }
  if (found.size !== layers) {
    throw new DecoderSignatureError(`expected ${layers} ${what} tensors, found ${found.size}`);
  }
  return Array.from({ length: layers }, (_, i) => {
    const name = found.get(i);
    if (!name) throw new DecoderSignatureError(`missing ${what} for layer ${i}`);
    return name;
  });
}

/** Maps the session's own input/output names to the decoder-with-past roles. */
export function discoverIoNames(
  inputNames: readonly string[],
  outputNames: readonly string[],
  numLayers: number,
  templates: typeof HF_TEMPLATES = HF_TEMPLATES,
): IoNames {
  for (const required of ['input_ids', 'attention_mask']) {
    if (!inputNames.includes(required))
      throw new DecoderSignatureError(`model has no ${required} input`);
  }
  if (!outputNames.includes(templates.logits))
    throw new DecoderSignatureError(`model has no ${templates.logits} output`);
  const names = (list: readonly string[], t: string, what: string): string[] =>
    layerNames(list, templatePattern(t), numLayers, what);
  return {
    pastKeys: names(inputNames, templates.pastKey, 'past key'),
    pastValues: names(inputNames, templates.pastValue, 'past value'),
    presentKeys: names(outputNames, templates.presentKey, 'present key'),
    presentValues: names(outputNames, templates.presentValue, 'present value'),
    ...(outputNames.some((n) => n.startsWith('present_new.'))
      ? {
          newKeys: layerNames(outputNames, /^present_new\.(\d+)\.key$/, numLayers, 'new key'),
          newValues: layerNames(outputNames, /^present_new\.(\d+)\.value$/, numLayers, 'new value'),
        }
      : { newKeys: null, newValues: null }),
    logits: templates.logits,
    hasPositionIds: inputNames.includes('position_ids'),
    hasUseCacheBranch: inputNames.includes('use_cache_branch'),
  };
}

type FloatType = 'float32' | 'float16';

/** The K/V element type of the session: float32 or float16; anything else is refused. */
export function kvTypeOf(
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  pastNames: readonly string[],
): FloatType {
  const types = new Set<string>();
  for (const meta of inputMetadata) {
    if (pastNames.includes(meta.name) && meta.isTensor) types.add(meta.type);
  }
  const [type, ...rest] = [...types];
  if (rest.length > 0 || (type !== 'float32' && type !== 'float16')) {
    throw new DecoderSignatureError(
      `K/V inputs are ${[...types].join('/')}; float32 and float16 K/V are supported`,
    );
  }
  return type;
}

function outputType(
  outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): FloatType {
  const meta = outputMetadata.find((m) => m.name === name);
  const type = meta?.isTensor ? meta.type : 'float32';
  if (type !== 'float32' && type !== 'float16')
    throw new DecoderSignatureError(`${name} is ${type}; float32 or float16 expected`);
  return type;
}

/** A GroupQueryAttention batch's shared past/present buffer: rows right-aligned at slot 0. */
interface RightAlignedKv {
  readonly batch: number;
  readonly capacity: number;
  readonly keys: KvArray[];
  readonly values: KvArray[];
  /** Cached slots of each row. */
  readonly lengths: Int32Array;
  /** The engine buffer's `filled` this state matches. */
  filled: number;
}

class OrtDecoderBackend implements DecoderBackend {
  readonly layout: DecoderLayout;
  /** float16 copies of float32 blocks (the engine holds float32): converted once per block. */
  private readonly halves = new WeakMap<Float32Array, { half: Uint16Array; filled?: number }>();
  /** GroupQueryAttention buffers of growing batches, by the engine's buffer. */
  private readonly rightAligned = new WeakMap<object, RightAlignedKv>();
  /** Device-resident K/V not disposed yet: freed before the session is released. */
  private readonly liveKv = new Set<DeviceKv>();

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly io: IoNames,
    private readonly spec: ModelSpec,
    readonly executionProvider: string,
    private readonly kvType: FloatType,
    format: ModelFormat,
    derivedNewKv: boolean,
    readonly kvOnDevice = false,
    readonly transfers = new KvTransferMeter(),
  ) {
    outputType(session.outputMetadata, io.logits); // refuses a logits type it cannot read
    this.layout = {
      exporter: format.exporter,
      attention: format.attention,
      kvType,
      hasPositionIds: io.hasPositionIds,
      newKv:
        format.attention === 'gqa'
          ? 'shared-buffer'
          : io.newKeys === null
            ? 'none'
            : derivedNewKv
              ? 'derived'
              : 'output',
    };
  }

  get hasNewKv(): boolean {
    return this.layout.newKv !== 'none';
  }

  async release(): Promise<void> {
    // Tensors of a released session must not outlive it (their memory is its allocator's).
    for (const kv of [...this.liveKv]) kv.dispose();
    await this.session.release();
  }

  run(step: PackedStep): Promise<StepOutputs> {
    return this.layout.attention === 'gqa' && step.batch > 1
      ? this.runRightAligned(step)
      : this.runConcat(step);
  }

  /** A K/V tensor in the session's type; float16 copies are made once per block. */
  private kvTensor(data: Float32Array, dims: number[], growFilled?: number): ort.Tensor {
    if (this.kvType === 'float32') return new ort.Tensor('float32', data, dims);
    return new ort.Tensor('float16', this.halfOf(data, growFilled), dims);
  }

  private halfOf(data: Float32Array, growFilled?: number): Uint16Array {
    const hit = this.halves.get(data);
    if (hit && hit.filled === growFilled) return hit.half;
    const half = float32ToFloat16(data);
    this.halves.set(data, growFilled === undefined ? { half } : { half, filled: growFilled });
    return half;
  }

  /** An output converted to float32; a float16 K/V keeps its float16 copy for the next feed. */
  private adopt(data: KvArray): Float32Array {
    if (data instanceof Float32Array) return data;
    const full = float16ToFloat32(data);
    this.halves.set(full, { half: data });
    return full;
  }

  private baseFeeds(step: PackedStep): Record<string, ort.Tensor> {
    const { batch: B, seqLen: S, pastLen: P } = step;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', step.inputIds, [B, S]),
      attention_mask: new ort.Tensor('int64', step.attentionMask, [B, P + S]),
    };
    if (this.io.hasPositionIds)
      feeds.position_ids = new ort.Tensor('int64', step.positionIds, [B, S]);
    if (this.io.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', [P > 0], [1]);
    return feeds;
  }

  /** Optimum / this project's layout: present = concat(past, new) on the time axis. */
  private async runConcat(step: PackedStep): Promise<StepOutputs> {
    const { batch: B, pastLen: P } = step;
    const H = this.spec.numKvHeads;
    const D = this.spec.headDim;
    const L = this.spec.numLayers;
    const feeds = this.baseFeeds(step);
    const growFilled = step.grow?.filled;
    const device = step.pastDevice;
    let hostBytes = 0;
    for (let l = 0; l < L; l++) {
      if (device) {
        // An earlier step's present, fed as it is (IO binding keeps a device tensor there).
        feeds[this.io.pastKeys[l]] = device.keys[l] as ort.Tensor;
        feeds[this.io.pastValues[l]] = device.values[l] as ort.Tensor;
        // A tensor downloaded earlier is a host tensor again: a device provider uploads it.
        if (this.executionProvider !== 'cpu') {
          for (const t of [device.keys[l], device.values[l]] as ort.Tensor[])
            if (t.location === 'cpu') hostBytes += (t.data as KvArray).byteLength;
        }
        continue;
      }
      const k = this.kvTensor(step.pastKeys[l], [B, H, P, D], growFilled);
      const v = this.kvTensor(step.pastValues[l], [B, H, P, D], growFilled);
      feeds[this.io.pastKeys[l]] = k;
      feeds[this.io.pastValues[l]] = v;
      hostBytes += (k.data as KvArray).byteLength + (v.data as KvArray).byteLength;
    }
    // Host K/V fed to the session is uploaded by a device provider.
    if (this.countsTransfers) this.transfers.add('hostToDevice', hostBytes);
    const logitsOf = (out: ort.InferenceSession.OnnxValueMapType): Float32Array =>
      toFloat32(out[this.io.logits].data as KvArray);
    if (!step.grow && this.kvOnDevice) {
      // present stays where the session put it (preferredOutputLocation 'gpu-buffer').
      const out = await this.session.run(feeds, [
        this.io.logits,
        ...this.io.presentKeys,
        ...this.io.presentValues,
      ]);
      return {
        logits: logitsOf(out),
        presentKeys: [],
        presentValues: [],
        presentDevice: this.track(
          new DeviceKv(
            {
              keys: this.io.presentKeys.map((n) => out[n]),
              values: this.io.presentValues.map((n) => out[n]),
            },
            this.transfers,
            (kv) => this.liveKv.delete(kv),
          ),
        ),
      };
    }
    if (!step.grow) {
      const names = [...this.io.presentKeys, ...this.io.presentValues];
      const out = await this.session.run(feeds, [this.io.logits, ...names]);
      this.countFetched(out, names);
      const kv = (n: string): Float32Array => this.adopt(out[n].data as KvArray);
      return {
        logits: logitsOf(out),
        presentKeys: this.io.presentKeys.map(kv),
        presentValues: this.io.presentValues.map(kv),
      };
    }
    const grow = step.grow;
    if (this.io.newKeys && this.io.newValues) {
      // A growing batch fetches only this step's K/V: fetching `present` copies the whole cache
      // out of the session (measured: a 32-row step at 300 past tokens 110–126 ms → 36–42 ms).
      const out = await this.session.run(feeds, [
        this.io.logits,
        ...this.io.newKeys,
        ...this.io.newValues,
      ]);
      this.countFetched(out, [...this.io.newKeys, ...this.io.newValues]);
      const fresh = (names: string[], buffers: readonly Float32Array[]): Float32Array[] =>
        names.map((n, l) => {
          const data = out[n].data as KvArray;
          if (data instanceof Uint16Array) this.writeHalfSlots(buffers[l], data, step);
          return toFloat32(data);
        });
      return {
        logits: logitsOf(out),
        presentKeys: [],
        presentValues: [],
        newKeys: fresh(this.io.newKeys, grow.keys),
        newValues: fresh(this.io.newValues, grow.values),
      };
    }
    throw new Error('a growing step needs present_new outputs or GroupQueryAttention');
  }

  private track(kv: DeviceKv): DeviceKv {
    this.liveKv.add(kv);
    return kv;
  }

  /**
   * Whether K/V crossing between host and device is counted: on a device provider (where it
   * does cross), and on the device-resident path forced on CPU (the bytes a device would move).
   */
  private get countsTransfers(): boolean {
    return this.kvOnDevice || this.executionProvider !== 'cpu';
  }

  /** K/V outputs fetched to host memory: copied off the device by a device provider. */
  private countFetched(out: ort.InferenceSession.OnnxValueMapType, names: readonly string[]): void {
    if (!this.countsTransfers) return;
    const bytes = names.reduce((n, name) => n + (out[name].data as KvArray).byteLength, 0);
    this.transfers.add('deviceToHost', bytes);
  }

  private boundTensor(data: KvArray, dims: number[]): ort.Tensor {
    return data instanceof Float32Array
      ? new ort.Tensor('float32', data, dims)
      : new ort.Tensor('float16', data, dims);
  }

  /**
   * Keeps the float16 copy of a growing batch buffer in step with the engine, which writes the
   * new slots [filled, filled + S) of the float32 buffer after this step.
   */
  private writeHalfSlots(buffer: Float32Array, fresh: Uint16Array, step: PackedStep): void {
    const grow = step.grow;
    if (!grow) return;
    const entry = this.halves.get(buffer);
    if (!entry || entry.filled !== grow.filled) return;
    const { batch: B, seqLen: S, pastLen: stride } = step;
    const D = this.spec.headDim;
    const BH = B * this.spec.numKvHeads;
    for (let bh = 0; bh < BH; bh++) {
      entry.half.set(fresh.subarray(bh * S * D, (bh + 1) * S * D), (bh * stride + grow.filled) * D);
    }
    entry.filled = grow.filled + S;
  }

  /**
   * GroupQueryAttention (onnxruntime-genai) for a batch: each row's cache is right-aligned at
   * slot 0 of a shared past/present buffer and its length is the row's count of mask ones; new
   * tokens follow at [length, length + S), padding after the real ones. The engine's left-padded
   * batch is mapped onto that: a growing batch keeps its shared buffer across steps (the op
   * writes the new K/V in place), and only the S new slots are copied back to the engine.
   */
  private async runRightAligned(step: PackedStep): Promise<StepOutputs> {
    const { batch: B, seqLen: S, pastLen: P } = step;
    const H = this.spec.numKvHeads;
    const D = this.spec.headDim;
    const T = P + S;
    const mask = step.attentionMask;
    const pastRuns = Array.from({ length: B }, (_, b) => rowRuns(mask, b, T, 0, P));
    const pastLens = pastRuns.map(runsLength);
    const newLens = Array.from({ length: B }, (_, b) => runsLength(rowRuns(mask, b, T, P, T)));
    const maxPast = Math.max(...pastLens);
    const width = maxPast + S;
    let kv = step.grow ? this.rightAligned.get(step.grow.buffer) : undefined;
    if (
      !kv ||
      !step.grow ||
      kv.filled !== step.grow.filled ||
      kv.batch !== B ||
      kv.capacity < width ||
      pastLens.some((n, b) => kv?.lengths[b] !== n)
    ) {
      kv = this.rightAlign(step, pastRuns, pastLens, step.grow ? P : width);
      if (step.grow) this.rightAligned.set(step.grow.buffer, kv);
    }
    const C = kv.capacity;
    const inputIds = rightAlignTokens(step.inputIds, newLens, S);
    // Some genai builds also take position_ids (rotary outside the op): a row's cache length
    // onward, which is each real token's position (no sliding window with these models).
    const positionIds = new BigInt64Array(B * S);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < S; j++) positionIds[b * S + j] = BigInt(pastLens[b] + j);
    // onnxruntime's GroupQueryAttention takes several new tokens after a cache one row at a
    // time ("batch_size must be 1 when sequence_length > 1 and past context is given").
    const groups: [number, number][] =
      S > 1 && maxPast > 0
        ? Array.from({ length: B }, (_, b): [number, number] => [b, 1])
        : [[0, B]];
    const parts: KvArray[] = [];
    for (const [first, count] of groups) {
      const rowsWidth = Math.max(...pastLens.slice(first, first + count)) + S;
      parts.push(
        await this.runGqaRows(kv, { inputIds, positionIds }, pastLens, first, count, rowsWidth),
      );
    }
    // Back to the engine's layout: a row's real tokens are the last of the S positions.
    const logits = leftAlignLogits(concatArrays(parts), newLens, S);
    const newSlots = (buf: KvArray): Float32Array =>
      newSlotsLeftAligned(buf, pastLens, newLens, { heads: H, headDim: D, capacity: C, seqLen: S });
    const newKeys = kv.keys.map(newSlots);
    const newValues = kv.values.map(newSlots);
    for (let b = 0; b < B; b++) kv.lengths[b] = pastLens[b] + newLens[b];
    if (step.grow) {
      kv.filled = step.grow.filled + S;
      return { logits, presentKeys: [], presentValues: [], newKeys, newValues };
    }
    // A batch that does not grow (not made by the engine today) gets `present` in its layout.
    const present = (fresh: Float32Array[], past: readonly Float32Array[]): Float32Array[] =>
      past.map((src, l) => {
        const dst = new Float32Array(B * H * T * D);
        for (let bh = 0; bh < B * H; bh++) {
          dst.set(src.subarray(bh * P * D, (bh + 1) * P * D), bh * T * D);
          dst.set(fresh[l].subarray(bh * S * D, (bh + 1) * S * D), (bh * T + P) * D);
        }
        return dst;
      });
    return {
      logits,
      presentKeys: present(newKeys, step.pastKeys),
      presentValues: present(newValues, step.pastValues),
    };
  }

  /** One GroupQueryAttention run over rows [first, first + count) of the shared buffer. */
  private async runGqaRows(
    kv: RightAlignedKv,
    tokens: { inputIds: BigInt64Array; positionIds: BigInt64Array },
    pastLens: readonly number[],
    first: number,
    count: number,
    width: number,
  ): Promise<KvArray> {
    const S = tokens.inputIds.length / kv.batch;
    const rowsOf = (a: BigInt64Array): BigInt64Array => a.subarray(first * S, (first + count) * S);
    const H = this.spec.numKvHeads;
    const D = this.spec.headDim;
    const C = kv.capacity;
    const mask = new BigInt64Array(count * width);
    for (let r = 0; r < count; r++) mask.fill(1n, r * width, r * width + pastLens[first + r] + S);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', rowsOf(tokens.inputIds), [count, S]),
      attention_mask: new ort.Tensor('int64', mask, [count, width]),
    };
    if (this.io.hasPositionIds)
      feeds.position_ids = new ort.Tensor('int64', rowsOf(tokens.positionIds), [count, S]);
    const fetches: Record<string, ort.Tensor | null> = { [this.io.logits]: null };
    const rows = (a: KvArray): KvArray =>
      a.subarray(first * H * C * D, (first + count) * H * C * D);
    for (let l = 0; l < this.spec.numLayers; l++) {
      const k = this.boundTensor(rows(kv.keys[l]), [count, H, C, D]);
      const v = this.boundTensor(rows(kv.values[l]), [count, H, C, D]);
      feeds[this.io.pastKeys[l]] = k;
      feeds[this.io.pastValues[l]] = v;
      // The same tensors as outputs: the op sees one buffer and appends in place.
      fetches[this.io.presentKeys[l]] = k;
      fetches[this.io.presentValues[l]] = v;
    }
    // The shared buffer is host memory bound as input and output: a device provider copies it
    // in and back out on every run (GroupQueryAttention batches are not device-resident).
    const bytes = Object.values(fetches).reduce(
      (n, t) => n + (t ? (t.data as KvArray).byteLength : 0),
      0,
    );
    if (this.countsTransfers) this.transfers.add('hostToDevice', bytes);
    const out = await this.session.run(feeds, fetches);
    if (this.kvOnDevice) {
      // Outputs with a preferred location ('gpu-buffer') are written to buffers of onnxruntime's
      // own, not to the bound ones (measured on the CPU provider): copied back into the buffer.
      let fetched = 0;
      for (const name of [...this.io.presentKeys, ...this.io.presentValues]) {
        const bound = fetches[name] as ort.Tensor;
        fetched += await this.copyBack(out[name], bound.data as KvArray, count, C);
      }
      this.transfers.add('deviceToHost', fetched);
    } else if (this.countsTransfers) {
      this.transfers.add('deviceToHost', bytes);
    }
    return out[this.io.logits].data as KvArray;
  }

  /**
   * Copies a present output into the shared buffer rows it was meant to be written to
   * ([count, H, C, D]; the output's time axis may differ), then frees it. Returns its bytes.
   */
  private async copyBack(
    present: ort.Tensor,
    into: KvArray,
    count: number,
    capacity: number,
  ): Promise<number> {
    const data = (await present.getData()) as KvArray;
    if (data !== into) {
      const D = this.spec.headDim;
      const T = present.dims[2];
      const n = Math.min(T, capacity) * D;
      for (let bh = 0; bh < count * this.spec.numKvHeads; bh++)
        into.set(data.subarray(bh * T * D, bh * T * D + n), bh * capacity * D);
    }
    present.dispose();
    return data.byteLength;
  }

  /** Copies each row's real past slots to slots [0, length) of a new right-aligned buffer. */
  private rightAlign(
    step: PackedStep,
    pastRuns: [number, number][][],
    pastLens: number[],
    capacity: number,
  ): RightAlignedKv {
    const { batch: B, pastLen: P } = step;
    const H = this.spec.numKvHeads;
    const D = this.spec.headDim;
    const dims = { heads: H, pastLen: P, headDim: D, capacity };
    const gather = (src: Float32Array): KvArray =>
      gatherRightAligned(
        this.kvType === 'float16' ? this.halfOf(src, step.grow?.filled) : src,
        pastRuns,
        dims,
      );
    return {
      batch: B,
      capacity,
      keys: step.pastKeys.map(gather),
      values: step.pastValues.map(gather),
      lengths: Int32Array.from(pastLens),
      filled: step.grow?.filled ?? 0,
    };
  }
}

/** Files above this are run as they are (the graph is decoded in memory to add outputs). */
const MAX_DERIVE_BYTES = 1024 * 1024 * 1024;

/** The model with `present_new` outputs added (see withNewKvOutputs), or undefined. */
async function newKvModel(file: string, io: IoNames): Promise<Uint8Array | undefined> {
  if ((await stat(file)).size > MAX_DERIVE_BYTES) return undefined;
  return withNewKvOutputs(await readFile(file), {
    keys: io.presentKeys,
    values: io.presentValues,
  });
}

/** Where onnxruntime-node keeps its native libraries for this platform. */
export function onnxruntimeBinDir(): string {
  return path.join(
    path.dirname(require.resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
}

/**
 * Why an execution provider cannot open on this host, before onnxruntime is asked (its own error
 * for a missing CUDA library is an opaque dlopen failure), or undefined when it may.
 */
export function executionProviderProblem(
  ep: string,
  binDir = onnxruntimeBinDir(),
): string | undefined {
  if (ep !== 'cuda') return undefined;
  if (process.platform !== 'linux' && process.platform !== 'win32')
    return `the CUDA execution provider needs Linux or Windows, this is ${process.platform}`;
  const lib =
    process.platform === 'win32'
      ? 'onnxruntime_providers_cuda.dll'
      : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(path.join(binDir, lib))) {
    return (
      `onnxruntime-node has no CUDA binaries (${lib} is not in ${binDir}); on a GPU host with ` +
      'CUDA 12 and cuDNN 9 run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` ' +
      '(README § GPU hosts)'
    );
  }
  return undefined;
}

function providerConfig(
  ep: string,
  options: DecoderSessionOptions,
): ort.InferenceSession.ExecutionProviderConfig {
  if (ep === 'cuda') return { name: 'cuda', deviceId: options.deviceId ?? 0 };
  return ep;
}

/**
 * Opens the folder's decoder (model.onnx, an Optimum or onnxruntime-genai layout) with the first
 * execution provider that works, falling back to CPU unless `requireAccelerator`.
 */
export async function openDecoderSession(
  modelDir: string,
  spec: ModelSpec,
  options: DecoderSessionOptions,
  logger?: SessionLogger,
): Promise<DecoderBackend> {
  const format: ModelFormat = (await readModelFormat(modelDir)) ?? {
    exporter: 'optimum',
    spec,
    modelFile: path.join(modelDir, 'model.onnx'),
    names: HF_TEMPLATES,
    attention: 'concat',
  };
  const file = format.modelFile;
  const accelerators = options.executionProviders.filter((p) => p !== 'cpu');
  const providers =
    options.requireAccelerator && accelerators.length > 0 ? accelerators : [...accelerators, 'cpu'];
  let lastError: unknown;
  for (const ep of providers) {
    try {
      const problem = executionProviderProblem(ep);
      if (problem) throw new Error(problem);
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        executionProviders: [providerConfig(ep, options)],
        ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      };
      let source: string | Uint8Array = file;
      let session = await ort.InferenceSession.create(file, sessionOptions);
      let io = discoverIoNames(
        session.inputNames,
        session.outputNames,
        spec.numLayers,
        format.names,
      );
      let derived = false;
      if (io.newKeys === null && format.attention === 'concat') {
        const bytes = await newKvModel(file, io);
        if (bytes) {
          await session.release();
          source = bytes;
          // Loaded from bytes: external data files are found beside the original file.
          sessionOptions.extra = {
            session: { model_external_initializers_file_folder_path: path.dirname(file) },
          };
          session = await ort.InferenceSession.create(bytes, sessionOptions);
          io = discoverIoNames(
            session.inputNames,
            session.outputNames,
            spec.numLayers,
            format.names,
          );
          derived = true;
        }
      }
      const kvType = kvTypeOf(session.inputMetadata, io.pastKeys);
      const kvOnDevice = kvOnDeviceFor(options.kvOnDevice, ep);
      if (kvOnDevice) {
        // Opened again now that the present outputs' names are known: they stay on the device
        // (on the CPU provider there is no device memory and they come back as CPU tensors).
        await session.release();
        sessionOptions.preferredOutputLocation = Object.fromEntries(
          [...io.presentKeys, ...io.presentValues].map((n) => [n, 'gpu-buffer' as const]),
        );
        session = await (typeof source === 'string'
          ? ort.InferenceSession.create(source, sessionOptions)
          : ort.InferenceSession.create(source, sessionOptions));
      }
      logger?.log(
        `reasoning model ${file} opened on execution provider ${ep} (${format.exporter}, ${format.attention} attention, ${kvType} K/V${kvOnDevice ? ', K/V kept on the device' : ''})`,
      );
      return new OrtDecoderBackend(session, io, spec, ep, kvType, format, derived, kvOnDevice);
    } catch (err) {
      if (err instanceof DecoderSignatureError) throw err;
      lastError = err;
      logger?.warn(
        `execution provider ${ep} unavailable: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const message = lastError instanceof Error ? lastError.message : String(lastError);
  if (options.requireAccelerator && accelerators.length > 0)
    throw new Error(`no accelerator opened (${accelerators.join(', ')}): ${message}`);
  throw lastError instanceof Error ? lastError : new Error(message);
}
