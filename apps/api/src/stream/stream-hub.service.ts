import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import type { StreamPosition } from '@risk/alerting';
import { APP_CONFIG, CLOCK, type AppConfig, type Clock } from '@risk/platform';
import { ApiKeyRepository } from '../auth/api-key.repository';
import { KeyLookup } from '../auth/key-lookup';
import { StreamEventsRepository } from './stream-events.repository';

/** One open stream as the hub sees it. */
export interface StreamHandle {
  readonly keyId: string;
  /** Resolves at the next poll with the newest final position (or when the stream stops). */
  nextHead(): Promise<StreamPosition | null>;
  /** Whether the stream may go on (false once stopped: revoked key, shutdown, client gone). */
  readonly open: boolean;
  /** Resolves when the stream is stopped by the hub; `release` must follow. */
  readonly stopped: Promise<void>;
  release(): void;
}

/** Refused because of a cap: answered 429 with Retry-After. */
export class StreamLimitError extends HttpException {
  constructor(message: string) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

interface Entry {
  keyId: string;
  open: boolean;
  waiters: ((head: StreamPosition | null) => void)[];
  stop: () => void;
  stopped: Promise<void>;
}

/**
 * Every open stream of this process shares one poller: it reads the stream's head once per
 * STREAM_POLL_MS and wakes the streams, which read their own rows only when the head has moved
 * past them, so idle streams cost no query. It also caps streams per key and in all, and
 * re-checks their keys every STREAM_KEY_CHECK_MS in one query: a revoked key's streams end.
 */
@Injectable()
export class StreamHub implements BeforeApplicationShutdown {
  private readonly log = new Logger('Stream');
  private readonly streams = new Set<Entry>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private closing = false;
  private lastKeyCheckMs = 0;

  constructor(
    private readonly events: StreamEventsRepository,
    private readonly keys: ApiKeyRepository,
    private readonly keyCache: KeyLookup,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Counts of open streams (for tests and metrics). */
  openCount(keyId?: string): number {
    let n = 0;
    for (const s of this.streams) if (keyId === undefined || s.keyId === keyId) n++;
    return n;
  }

  open(keyId: string): StreamHandle {
    // A stream opened after shutdown began would never be polled nor ended.
    if (this.closing) throw new ServiceUnavailableException('the server is shutting down');
    if (this.streams.size >= this.cfg.streamMaxTotal)
      throw new StreamLimitError(
        `this server has its maximum of ${this.cfg.streamMaxTotal} open streams`,
      );
    if (this.openCount(keyId) >= this.cfg.streamMaxPerKey)
      throw new StreamLimitError(
        `this key has its maximum of ${this.cfg.streamMaxPerKey} open streams (STREAM_MAX_PER_KEY)`,
      );
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const entry: Entry = { keyId, open: true, waiters: [], stop: () => undefined, stopped };
    entry.stop = () => {
      if (!entry.open) return;
      entry.open = false;
      for (const w of entry.waiters.splice(0)) w(null);
      stop();
    };
    this.streams.add(entry);
    this.schedule();
    return {
      keyId,
      get open() {
        return entry.open;
      },
      stopped,
      nextHead: () =>
        entry.open
          ? new Promise<StreamPosition | null>((resolve) => entry.waiters.push(resolve))
          : Promise.resolve(null),
      release: () => {
        entry.stop();
        this.streams.delete(entry);
      },
    };
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of this.streams) s.stop();
  }

  private schedule(): void {
    if (this.timer || this.polling || this.closing || this.streams.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll();
    }, this.cfg.streamPollMs);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      const nowMs = this.clock.now().getTime();
      if (nowMs - this.lastKeyCheckMs >= this.cfg.streamKeyCheckMs) {
        this.lastKeyCheckMs = nowMs;
        await this.checkKeys();
      }
      const waiting = [...this.streams].filter((s) => s.open && s.waiters.length > 0);
      if (waiting.length > 0) {
        const head = await this.events.head();
        for (const s of waiting) for (const w of s.waiters.splice(0)) w(head);
      }
    } catch (e) {
      // The streams stay open and are woken at the next poll.
      this.log.warn(`stream poll failed: ${(e as Error).message}`);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private async checkKeys(): Promise<void> {
    const ids = [...new Set([...this.streams].map((s) => s.keyId))];
    if (ids.length === 0) return;
    const active = await this.keys.activeIds(ids);
    const checked = new Set(ids);
    for (const id of ids) if (!active.has(id)) this.keyCache.forget(id);
    // A stream opened while the query ran has a key that was not asked about: not revoked.
    for (const s of this.streams) if (checked.has(s.keyId) && !active.has(s.keyId)) s.stop();
  }
}
