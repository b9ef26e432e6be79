import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  DeliveryWorker,
  WEBHOOK_SENDER,
  WebhookRepository,
  type WebhookSender,
} from '@risk/alerting';
import {
  APP_CONFIG,
  CLOCK,
  METRICS,
  type AppConfig,
  type Clock,
  type ServiceMetrics,
} from '@risk/platform';

/** Runs the webhook delivery worker in the api process (WEBHOOK_WORKER=false turns it off). */
@Injectable()
export class DeliveryWorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: DeliveryWorker;

  constructor(
    webhooks: WebhookRepository,
    @Inject(WEBHOOK_SENDER) sender: WebhookSender,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) metrics: ServiceMetrics,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.worker = new DeliveryWorker(webhooks, sender, {
      policy: { scheduleMs: cfg.webhookRetryScheduleMs, jitter: cfg.webhookJitter },
      pollMs: cfg.webhookPollMs,
      timeoutMs: cfg.webhookTimeoutMs,
      concurrency: cfg.webhookConcurrency,
      maxPerSubscription: cfg.webhookMaxPerSubscription,
      scanBatch: 1000,
      onAttempt: (outcome) => metrics.webhookAttempts.inc({ outcome }),
      onDelivered: (s) => metrics.webhookDeliverySeconds.observe(s),
      now: () => clock.now(),
    });
  }

  onApplicationBootstrap(): void {
    if (this.cfg.webhookWorker) this.worker.start();
  }

  /** Before the DataSource closes: in-flight attempts are recorded first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}
