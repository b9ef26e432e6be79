import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Public } from './auth/auth.decorators';
import { ApiKeyGuard } from './auth/auth.guard';
import { DashboardController } from './dashboard/dashboard.controller';
import { HealthController } from './health.controller';
import { RiskReadController } from './risk-read.controller';
import { StreamController } from './stream/stream.controller';
import { DeliveryWorkerService } from './webhooks/delivery-worker.service';
import { WebhooksController } from './webhooks/webhooks.controller';

// /health is the one API route open without a key (liveness probes carry none). Marked here so
// the health controller itself needs no change.
const liveness = Object.getOwnPropertyDescriptor(HealthController.prototype, 'health_');
if (liveness) Public()(HealthController.prototype, 'health_', liveness);

@Module({
  imports: [TerminusModule],
  controllers: [
    RiskReadController,
    HealthController,
    StreamController,
    WebhooksController,
    DashboardController,
  ],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }, DeliveryWorkerService],
})
export class ApiModule {}
