import { Logger } from '@nestjs/common';
import { decideAfterAttempt, type AttemptOutcome, type RetryPolicy } from './retry-policy';
import { signWebhook } from './signing';
import type { WebhookSender } from './webhook-sender';
import type { ClaimedDelivery, WebhookStore } from './webhook.store';

export interface DeliveryWorkerOptions {
  policy: RetryPolicy;
  pollMs: number;
  timeoutMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  scanBatch: number;
  onAttempt?: (outcome: AttemptOutcome) => void;
  /** Alert committed → receiver acknowledged, in seconds. */
  onDelivered?: (seconds: number) => void;
  now?: () => Date;
}

/**
 * Moves committed alerts to receivers. Everything it needs to resume lives in PostgreSQL (the
 * scanner cursor, pending deliveries and their due times), so a restart loses nothing; several
 * workers (api instances) can run at once.
 */
export class DeliveryWorker {
  private readonly log = new Logger('Webhooks');
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: WebhookStore,
    private readonly sender: WebhookSender,
    private readonly opts: DeliveryWorkerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  /** One pass: scan new alerts, then claim and start what is due. Returns whether work was found. */
  async tick(): Promise<boolean> {
    const scanned = await this.store.scanNewAlerts(
      this.opts.scanBatch,
      this.opts.policy.scheduleMs[0] ?? 0,
    );
    const free = this.opts.concurrency - this.inFlight.size;
    // The lease outlives the request timeout, so a live worker always records before it ends.
    const claimed = await this.store.claimDue(free, this.opts.timeoutMs * 2 + 5000);
    for (const d of claimed) {
      const p = this.attempt(d).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    return scanned >= this.opts.scanBatch || claimed.length >= free;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      try {
        busy = await this.tick();
      } catch (e) {
        this.log.warn(`webhook pass failed: ${(e as Error).message}`);
      }
      if (!busy && this.running)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
    }
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const now = this.opts.now ?? (() => new Date());
    const startedAt = now();
    try {
      const headers = signWebhook(d.secret, d.id, startedAt, d.payload);
      const res = await this.sender.send(d.url, { ...headers }, d.payload);
      const decision = decideAfterAttempt(this.opts.policy, d.attempt, res);
      await this.store.recordAttempt(d, {
        startedAt,
        durationMs: res.durationMs,
        statusCode: res.statusCode,
        error: res.error,
        ...decision,
      });
      this.opts.onAttempt?.(decision.outcome);
      if (decision.outcome === 'delivered')
        this.opts.onDelivered?.((now().getTime() - d.alertCommittedAt.getTime()) / 1000);
    } catch (e) {
      // Not recorded: the lease runs out and the delivery is tried again as a new attempt.
      this.log.warn(`webhook attempt ${d.id}#${d.attempt} not recorded: ${(e as Error).message}`);
    }
  }
}
