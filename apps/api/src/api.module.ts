import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import {
  HttpWebhookSender,
  WEBHOOK_SENDER,
  WebhookRepository,
  secretKeyFrom,
} from '@risk/alerting';
import { RiskReadModel } from '@risk/persistence';
import { APP_CONFIG, CLOCK, RetentionService, type AppConfig, type Clock } from '@risk/platform';
import { ApiKeyRepository } from './auth/api-key.repository';
import { ApiKeyGuard } from './auth/auth.guard';
import { KeyLookup } from './auth/key-lookup';
import { DashboardController } from './dashboard/dashboard.controller';
import { HealthController } from './health.controller';
import { InstrumentsController } from './instruments/instruments.controller';
import { VarBacktestController } from './backtest/var-backtest.controller';
import { ModelQualityController } from './model-quality/model-quality.controller';
import { ModelQualityService } from './model-quality/model-quality.service';
import { RiskReadController } from './risk-read.controller';
import { StreamEventsRepository } from './stream/stream-events.repository';
import { StreamHub } from './stream/stream-hub.service';
import { StreamController } from './stream/stream.controller';
import { DeliveryWorkerService } from './webhooks/delivery-worker.service';
import { WebhooksController } from './webhooks/webhooks.controller';

@Module({
  imports: [TerminusModule],
  controllers: [
    RiskReadController,
    HealthController,
    StreamController,
    WebhooksController,
    DashboardController,
    InstrumentsController,
    VarBacktestController,
    ModelQualityController,
  ],
  // The api owns stream_events and the webhook tables; its retention job also prunes the
  // engine's processed_events ledger (one job, one lock; docs/architecture.md § Retention).
  providers: [
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    ApiKeyRepository,
    {
      provide: KeyLookup,
      inject: [ApiKeyRepository, APP_CONFIG],
      useFactory: (repo: ApiKeyRepository, cfg: AppConfig) =>
        new KeyLookup(repo, { ttlMs: cfg.apiKeyCacheMs, maxHits: 10_000, maxMisses: 10_000 }),
    },
    StreamEventsRepository,
    StreamHub,
    // libs/persistence's read side (its name predates the *.repository convention).
    {
      provide: RiskReadModel,
      inject: [DataSource],
      useFactory: (ds: DataSource) => new RiskReadModel(ds),
    },
    DeliveryWorkerService,
    RetentionService,
    {
      provide: WebhookRepository,
      inject: [DataSource, APP_CONFIG],
      useFactory: (ds: DataSource, cfg: AppConfig) =>
        new WebhookRepository(ds, secretKeyFrom(cfg.webhookSecretKey)),
    },
    {
      provide: WEBHOOK_SENDER,
      inject: [APP_CONFIG, CLOCK],
      useFactory: (cfg: AppConfig, clock: Clock) =>
        new HttpWebhookSender({
          timeoutMs: cfg.webhookTimeoutMs,
          allowPrivate: cfg.webhookAllowPrivate,
          now: () => clock.now(),
        }),
    },
    ModelQualityService,
  ],
})
export class ApiModule {}
