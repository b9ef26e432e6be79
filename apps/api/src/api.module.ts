import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { RetentionService } from '@risk/platform';
import { ApiKeyGuard } from './auth/auth.guard';
import { VarBacktestController } from './backtest/var-backtest.controller';
import { DashboardController } from './dashboard/dashboard.controller';
import { HealthController } from './health.controller';
import { ModelQualityController } from './model-quality/model-quality.controller';
import { ModelQualityService } from './model-quality/model-quality.service';
import { RiskReadController } from './risk-read.controller';
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
    VarBacktestController,
    ModelQualityController,
  ],
  // The api owns stream_events and the webhook tables; its retention job also prunes the
  // engine's processed_events ledger (one job, one lock; docs/architecture.md § Retention).
  providers: [
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    DeliveryWorkerService,
    RetentionService,
    ModelQualityService,
  ],
})
export class ApiModule {}
