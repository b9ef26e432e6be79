import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ProbesModule, RetentionService } from '@risk/platform';
import { ApiKeyGuard } from './auth/auth.guard';
import { DashboardController } from './dashboard/dashboard.controller';
import { RiskReadController } from './risk-read.controller';
import { StreamController } from './stream/stream.controller';
import { DeliveryWorkerService } from './webhooks/delivery-worker.service';
import { WebhooksController } from './webhooks/webhooks.controller';

@Module({
  imports: [ProbesModule],
  controllers: [RiskReadController, StreamController, WebhooksController, DashboardController],
  // The api owns stream_events and the webhook tables; its retention job also prunes the
  // engine's processed_events ledger (one job, one lock; docs/architecture.md § Retention).
  providers: [
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    DeliveryWorkerService,
    RetentionService,
  ],
})
export class ApiModule {}
