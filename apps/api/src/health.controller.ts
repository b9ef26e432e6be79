import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { Kafka } from 'kafkajs';
import {
  KAFKA,
  METRICS,
  MODEL_STATUS,
  type ModelStatusRegistry,
  type ServiceMetrics,
} from '@risk/platform';
import { RULE_SET_MODEL } from '@risk/risk-metrics';
import { Public } from './auth/auth.decorators';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(MODEL_STATUS) private readonly models: ModelStatusRegistry,
  ) {}

  /** Liveness: the process answers. The one API route open without a key (probes carry none). */
  @Public()
  @Get('health')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL, Kafka and the scoring models are usable. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 2000 }),
      () => this.kafkaCheck(),
      (): HealthIndicatorResult => ({
        models: {
          status: this.models.ready() ? 'up' : 'down',
          limits: RULE_SET_MODEL,
          ...this.models.all(),
        },
      }),
    ]);
  }

  private async kafkaCheck(): Promise<HealthIndicatorResult> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const c = await admin.describeCluster();
      return { kafka: { status: 'up', brokers: c.brokers.length } };
    } catch (e) {
      return { kafka: { status: 'down', message: (e as Error).message } };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
