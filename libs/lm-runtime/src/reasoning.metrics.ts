import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KvCacheObserver, KvCacheStats } from './kv/kv-cache.manager';

/**
 * Prometheus view of the reasoning runtime. The registry is injected so an app shares its own
 * and tests use a fresh one; gauges read the cache's exact stats at scrape time.
 */
export class ReasoningMetrics implements KvCacheObserver {
  private readonly queried: Counter;
  private readonly hit: Counter;
  private readonly recomputed: Counter;
  private readonly evictions: Counter;
  private readonly copiedBytes: Counter;
  private readonly deviceToHostBytes: Counter;
  private readonly hostToDeviceBytes: Counter;
  private readonly batchSize: Histogram;
  private readonly stepSeconds: Histogram;
  private statsSource: (() => KvCacheStats) | undefined;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.queried = new Counter({
      name: 'reasoning_kv_queried_tokens_total',
      help: 'Context tokens requested',
      registers,
    });
    this.hit = new Counter({
      name: 'reasoning_kv_hit_tokens_total',
      help: 'Context tokens served from the K/V cache',
      registers,
    });
    this.recomputed = new Counter({
      name: 'reasoning_kv_recomputed_tokens_total',
      help: 'Context tokens computed by the model',
      registers,
    });
    this.evictions = new Counter({
      name: 'reasoning_kv_evictions_total',
      help: 'Context caches evicted to stay in budget',
      registers,
    });
    this.copiedBytes = new Counter({
      name: 'reasoning_kv_copied_bytes_total',
      help: 'K/V bytes copied in JS (batch padding, row split, rewind, window trim)',
      registers,
    });
    this.deviceToHostBytes = new Counter({
      name: 'reasoning_kv_device_to_host_bytes_total',
      help: 'K/V bytes fetched from the device: outputs, or downloads to rearrange device-resident K/V',
      registers,
    });
    this.hostToDeviceBytes = new Counter({
      name: 'reasoning_kv_host_to_device_bytes_total',
      help: 'Host K/V bytes fed to a device execution provider (uploaded)',
      registers,
    });
    this.batchSize = new Histogram({
      name: 'reasoning_batch_size',
      help: 'Rows per session.run',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    this.stepSeconds = new Histogram({
      name: 'reasoning_step_seconds',
      help: 'Duration of one session.run',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const read = <K extends keyof KvCacheStats>(key: K) =>
      function (this: Gauge) {
        if (metrics.statsSource) this.set(metrics.statsSource()[key]);
      };
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- gauges read from this at scrape
    const metrics = this;
    new Gauge({
      name: 'reasoning_kv_bytes_in_use',
      help: 'K/V bytes cached or reserved',
      registers,
      collect: read('bytesInUse'),
    });
    new Gauge({
      name: 'reasoning_kv_budget_bytes',
      help: 'K/V memory budget',
      registers,
      collect: read('budgetBytes'),
    });
    new Gauge({
      name: 'reasoning_kv_entries',
      help: 'Context caches held',
      registers,
      collect: read('entries'),
    });
  }

  /** Where the gauges read from at scrape time. */
  bindStats(source: () => KvCacheStats): void {
    this.statsSource = source;
  }

  tokens(queried: number, hit: number, recomputed: number): void {
    this.queried.inc(queried);
    this.hit.inc(hit);
    this.recomputed.inc(recomputed);
  }

  eviction(): void {
    this.evictions.inc();
  }

  copied(bytes: number): void {
    if (bytes > 0) this.copiedBytes.inc(bytes);
  }

  transferred(direction: 'deviceToHost' | 'hostToDevice', bytes: number): void {
    if (bytes <= 0) return;
    (direction === 'deviceToHost' ? this.deviceToHostBytes : this.hostToDeviceBytes).inc(bytes);
  }

  step(rows: number, seconds: number): void {
    this.batchSize.observe(rows);
    this.stepSeconds.observe(seconds);
  }
}
