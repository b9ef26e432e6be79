import { float16ToFloat32 } from '../formats/float16';
import type { BatchKvState, KvBlock } from './kv-block';

/**
 * The engine's view of an onnxruntime tensor (onnxruntime-node's `Tensor` fits it): on a device
 * execution provider with `preferredOutputLocation: 'gpu-buffer'` its `data` cannot be read,
 * only downloaded (`getData()`), and it is fed to the next `session.run` as it is.
 */
export interface KvTensor {
  readonly location: string;
  readonly data: unknown;
  getData(): Promise<unknown>;
  dispose(): void;
}

/** Per layer K and V tensors of one step's `present` ([B, H, T, D] each). */
export interface KvTensors {
  readonly keys: readonly KvTensor[];
  readonly values: readonly KvTensor[];
}

export type TransferDirection = 'deviceToHost' | 'hostToDevice';

/**
 * K/V bytes that cross between host and device: host K/V fed to the session (uploaded by a
 * device execution provider), K/V outputs fetched to host, and the downloads the device-resident
 * path makes before the engine rearranges K/V in JS (a row joins a batch, compaction, rewind,
 * window trim). Counted on a device provider, and on the device-resident path forced on the CPU
 * provider, where nothing crosses and the figures are the bytes a device would move.
 */
export class KvTransferMeter {
  deviceToHostBytes = 0;
  hostToDeviceBytes = 0;
  /** K/V tensors the session returned that are not disposed yet. */
  liveTensors = 0;
  disposedTensors = 0;
  /**
   * Tests: treat tensors on the CPU as if on a device, so a synchronous read of K/V the engine
   * did not download first throws (as `.data` of a `gpu-buffer` tensor does) instead of counting.
   */
  emulateDevice = false;
  private observers: ((direction: TransferDirection, bytes: number) => void)[] = [];

  observe(fn: (direction: TransferDirection, bytes: number) => void): void {
    this.observers.push(fn);
  }

  add(direction: TransferDirection, bytes: number): void {
    if (bytes <= 0) return;
    if (direction === 'deviceToHost') this.deviceToHostBytes += bytes;
    else this.hostToDeviceBytes += bytes;
    for (const fn of this.observers) fn(direction, bytes);
  }
}

export class DeviceKvDisposedError extends Error {
  override readonly name = 'DeviceKvDisposedError';
}

function byteLengthOf(data: unknown): number {
  return ArrayBuffer.isView(data) ? data.byteLength : 0;
}

function asFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return float16ToFloat32(data);
  throw new TypeError('K/V tensor is neither float32 nor float16');
}

/**
 * One step's `present` K/V kept as the session returned it (on the device when the session
 * runs on one). Fed back as the next `past` untouched; read in JS only after `download()` (the
 * bytes are counted). Reference-counted by the blocks and owners that hold it; disposed (device
 * memory freed) when the last one lets go.
 */
export class DeviceKv {
  private host: { keys: Float32Array[]; values: Float32Array[] } | undefined;
  private downloading: Promise<void> | undefined;
  private holds = 0;
  private disposed = false;

  constructor(
    readonly tensors: KvTensors,
    private readonly meter: KvTransferMeter,
    /** Told once the tensors are disposed (the session's owner forgets them). */
    private readonly onDispose?: (kv: DeviceKv) => void,
  ) {
    meter.liveTensors += tensors.keys.length + tensors.values.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get holders(): number {
    return this.holds;
  }

  /** Whether the K/V has a host copy (downloaded already). */
  get onHost(): boolean {
    return this.host !== undefined;
  }

  /** Host copies per layer (float32), once downloaded; see `download`. */
  get keys(): Float32Array[] {
    return this.hostSync().keys;
  }

  get values(): Float32Array[] {
    return this.hostSync().values;
  }

  /** Downloads every layer's K/V once (counted device→host); later reads are free. */
  download(): Promise<void> {
    this.assertLive();
    if (this.host) return Promise.resolve();
    this.downloading ??= (async () => {
      const all = [...this.tensors.keys, ...this.tensors.values];
      const data = await Promise.all(all.map((t) => t.getData()));
      this.meter.add(
        'deviceToHost',
        data.reduce<number>((n, d) => n + byteLengthOf(d), 0),
      );
      const L = this.tensors.keys.length;
      this.host = {
        keys: data.slice(0, L).map(asFloat32),
        values: data.slice(L).map(asFloat32),
      };
    })();
    return this.downloading;
  }

  retain(): void {
    this.assertLive();
    this.holds++;
  }

  /** Lets go of one hold; the tensors are disposed when none is left. */
  release(): void {
    if (this.disposed) return;
    this.holds--;
    if (this.holds <= 0) this.dispose();
  }

  /** Frees the tensors now (device memory), whoever holds them. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of [...this.tensors.keys, ...this.tensors.values]) t.dispose();
    const n = this.tensors.keys.length + this.tensors.values.length;
    this.meter.liveTensors -= n;
    this.meter.disposedTensors += n;
    this.onDispose?.(this);
  }

  private assertLive(): void {
    if (this.disposed) throw new DeviceKvDisposedError('K/V tensors already disposed');
  }

  /**
   * A read the engine did not download first: a device tensor cannot be read synchronously (an
   * engine bug on a device); a CPU one is read and counted as the download a device would need.
   */
  private hostSync(): { keys: Float32Array[]; values: Float32Array[] } {
    if (this.host) return this.host;
    this.assertLive();
    const all = [...this.tensors.keys, ...this.tensors.values];
    if (this.meter.emulateDevice || all.some((t) => t.location !== 'cpu')) {
      throw new Error('K/V is on the device: the engine must download() it before reading it');
    }
    const L = this.tensors.keys.length;
    const data = all.map((t) => t.data);
    this.meter.add(
      'deviceToHost',
      data.reduce<number>((n, d) => n + byteLengthOf(d), 0),
    );
    this.host = { keys: data.slice(0, L).map(asFloat32), values: data.slice(L).map(asFloat32) };
    return this.host;
  }
}

/** A single row's cache held as the session's `present` tensors ([1, H, length, D] per layer). */
export class DeviceBlock implements KvBlock {
  constructor(
    readonly device: DeviceKv,
    readonly numLayers: number,
    readonly numKvHeads: number,
    readonly headDim: number,
    readonly positions: Int32Array,
  ) {}

  get length(): number {
    return this.positions.length;
  }

  get keys(): readonly Float32Array[] {
    return this.device.keys;
  }

  get values(): readonly Float32Array[] {
    return this.device.values;
  }
}

/** A batched step's `present` on the device, as the state its rows' views point into. */
export function deviceBatchState(
  batch: number,
  total: number,
  mask: BigInt64Array,
  device: DeviceKv,
): BatchKvState {
  return {
    batch,
    total,
    stride: total,
    mask,
    device,
    get keys() {
      return device.keys;
    },
    get values() {
      return device.values;
    },
  };
}

/** The device K/V a block reads from (its own, or its batch's), if any. */
export function deviceKvOf(block: KvBlock): DeviceKv | undefined {
  return block.device ?? block.view?.state.device;
}

/** One more owner of the block's device K/V (no-op for host blocks). */
export function holdKv(block: KvBlock): void {
  deviceKvOf(block)?.retain();
}

/** An owner lets go of the block; its device K/V is disposed when no owner is left. */
export function dropKv(block: KvBlock): void {
  deviceKvOf(block)?.release();
}

/** Makes the block's K/V readable in JS (downloads it once, counted); no-op for host blocks. */
export async function downloadKv(block: KvBlock): Promise<void> {
  await deviceKvOf(block)?.download();
}
