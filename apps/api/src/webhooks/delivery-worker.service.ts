import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveryWorker, HttpWebhookSender, WebhookStore } from '@risk/alerting';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';

/** Runs the webhook delivery worker in the api process (WEBHOOK_WORKER=false turns it off). */
@Injectable()
export class DeliveryWorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: DeliveryWorker;

  constructor(
    @Inject(DataSource) ds: DataSource,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) metrics: ServiceMetrics,
  ) {
    this.worker = new DeliveryWorker(
      new WebhookStore(ds),
      new HttpWebhookSender({
        timeoutMs: cfg.webhookTimeoutMs,
        allowPrivate: cfg.webhookAllowPrivate,
      }),
      {
        policy: { scheduleMs: cfg.webhookRetrySchedule, jitter: cfg.webhookJitter },
        pollMs: cfg.webhookPollMs,
        timeoutMs: cfg.webhookTimeoutMs,
        concurrency: 32,
        scanBatch: 1000,
        onAttempt: (outcome) => metrics.webhookAttempts.inc({ outcome }),
        onDelivered: (s) => metrics.webhookDeliverySeconds.observe(s),
      },
    );
  }

  onApplicationBootstrap(): void {
    if (this.cfg.webhookWorker) this.worker.start();
  }

  /** Before the DataSource closes: in-flight attempts are recorded first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}
