import { Logger } from '@nestjs/common';
import { decideAfterAttempt, type AttemptOutcome, type RetryPolicy } from './retry-policy';
import { signWebhook } from './signing';
import type { WebhookSender } from './webhook-sender';
import type { ClaimedDelivery, WebhookRepository } from './webhook.repository';

export interface DeliveryWorkerOptions {
  policy: RetryPolicy;
  pollMs: number;
  timeoutMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** …and of one subscription, so one hung receiver cannot hold every slot. */
  maxPerSubscription: number;
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
  private readonly inFlightBySubscription = new Map<string, number>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: WebhookRepository,
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
    // All slots busy: nothing to claim; the loop waits for a slot (or the poll interval)
    // instead of running scan transactions back to back.
    if (free <= 0) return false;
    // The lease outlives the request timeout, so a live worker always records before it ends.
    const claimed = await this.store.claimDue(free, this.opts.timeoutMs * 2 + 5000, {
      maxPerSubscription: this.opts.maxPerSubscription,
      inFlight: this.inFlightBySubscription,
    });
    for (const d of claimed) {
      const sub = d.subscriptionId;
      this.inFlightBySubscription.set(sub, (this.inFlightBySubscription.get(sub) ?? 0) + 1);
      const p = this.attempt(d).finally(() => {
        this.inFlight.delete(p);
        const left = (this.inFlightBySubscription.get(sub) ?? 1) - 1;
        if (left > 0) this.inFlightBySubscription.set(sub, left);
        else this.inFlightBySubscription.delete(sub);
        // A freed slot may let a waiting delivery go now rather than at the next poll.
        this.wake?.();
      });
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
      const res =
        d.secret === null
          ? {
              statusCode: null,
              retryAfterMs: null,
              durationMs: 0,
              error: 'the signing secret cannot be decrypted: was WEBHOOK_SECRET_KEY changed?',
            }
          : await this.sender.send(
              d.url,
              { ...signWebhook(d.secret, d.id, startedAt, d.payload) },
              d.payload,
            );
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
