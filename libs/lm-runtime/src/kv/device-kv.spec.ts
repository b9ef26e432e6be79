import { DeviceBlock, DeviceKv, dropKv, holdKv, KvTensor, KvTransferMeter } from './device-kv';
import { KvCacheManager } from './kv-cache.manager';

/** A tensor as onnxruntime returns it on a device: `.data` unreadable, `getData()` downloads. */
class FakeTensor implements KvTensor {
  location = 'gpu-buffer';
  downloads = 0;
  disposed = 0;
  constructor(private readonly values: Float32Array) {}
  get data(): unknown {
    if (this.location !== 'cpu') throw new Error('The data is not on CPU');
    return this.values;
  }
  async getData(): Promise<unknown> {
    this.downloads++;
    this.location = 'cpu';
    return this.values;
  }
  dispose(): void {
    this.disposed++;
  }
}

function kvOf(meter: KvTransferMeter, layers = 2, n = 6): { kv: DeviceKv; tensors: FakeTensor[] } {
  const tensors = Array.from(
    { length: 2 * layers },
    (_, i) => new FakeTensor(new Float32Array(n).fill(i)),
  );
  const kv = new DeviceKv({ keys: tensors.slice(0, layers), values: tensors.slice(layers) }, meter);
  return { kv, tensors };
}

function blockOf(kv: DeviceKv): DeviceBlock {
  // 2 layers, 1 head, head dim 2, 3 slots: 6 floats per tensor.
  return new DeviceBlock(kv, 2, 1, 2, Int32Array.from([0, 1, 2]));
}

describe('DeviceKv', () => {
  it('refuses a synchronous read of device K/V, downloads once (counted), then reads freely', async () => {
    const meter = new KvTransferMeter();
    const { kv, tensors } = kvOf(meter);
    expect(() => kv.keys).toThrow(/download/);
    await Promise.all([kv.download(), kv.download()]);
    expect(tensors.map((t) => t.downloads)).toEqual([1, 1, 1, 1]);
    expect(meter.deviceToHostBytes).toBe(4 * 6 * 4);
    expect(kv.keys[1][0]).toBe(1);
    expect(kv.values[0][0]).toBe(2);
    await kv.download();
    expect(meter.deviceToHostBytes).toBe(4 * 6 * 4);
  });

  it('is disposed once, when the last holder lets go', () => {
    const meter = new KvTransferMeter();
    const { kv, tensors } = kvOf(meter);
    const block = blockOf(kv);
    expect(meter.liveTensors).toBe(4);
    holdKv(block);
    holdKv(block);
    dropKv(block);
    expect(kv.isDisposed).toBe(false);
    dropKv(block);
    expect(kv.isDisposed).toBe(true);
    dropKv(block);
    expect(tensors.map((t) => t.disposed)).toEqual([1, 1, 1, 1]);
    expect(meter).toMatchObject({ liveTensors: 0, disposedTensors: 4 });
    expect(() => holdKv(block)).toThrow(/disposed/);
  });

  it('emulates a device for CPU tensors: reads not downloaded first throw', () => {
    const meter = new KvTransferMeter();
    const { kv, tensors } = kvOf(meter);
    for (const t of tensors) t.location = 'cpu';
    meter.emulateDevice = true;
    expect(() => kv.keys).toThrow(/download/);
    meter.emulateDevice = false;
    expect(kv.keys[0][0]).toBe(0);
    // A CPU read stands for the download a device would need.
    expect(meter.deviceToHostBytes).toBe(4 * 6 * 4);
  });

  it('is held by the cache while stored, and not freed while a replacement is weighed', () => {
    const meter = new KvTransferMeter();
    const cache = new KvCacheManager(1024, undefined, { retain: holdKv, release: dropKv });
    const a = blockOf(kvOf(meter).kv);
    const lease = cache.acquire('p');
    holdKv(a); // the computing call's own hold
    expect(lease.commit({ tokens: [1, 2, 3], block: a, lastLogits: null })).toBe(true);
    dropKv(a);
    expect(a.device.isDisposed).toBe(false);
    // A replacement that does not fit: the old block stays stored and alive.
    const big = new DeviceBlock(kvOf(meter, 2, 600).kv, 2, 1, 2, new Int32Array(300));
    expect(lease.commit({ tokens: [1], block: big, lastLogits: null })).toBe(false);
    expect(a.device.isDisposed).toBe(false);
    lease.release();
    expect(cache.evict('p')).toBe(true);
    expect(a.device.isDisposed).toBe(true);
  });
});
