import {
  Controller,
  Get,
  Header,
  HttpStatus,
  Inject,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import type { Kafka } from 'kafkajs';
import { RULE_SET_MODEL } from '@risk/risk-metrics';
import { APP_CONFIG, type AppConfig } from '../app-config';
import { createKafka } from '../kafka';
import { METRICS, type ServiceMetrics } from '../metrics';
import { MODEL_STATUS, type ModelStatusRegistry } from '../model-status';
import { CONSUMER_HEALTH, type ConsumerHealth } from './consumer-health';
import { Public } from './public-route';
import { timeBox } from './time-box';

/** Each dependency check's limit: /ready answers within 2 s with every check run at once. */
export const PROBE_TIMEOUT_MS = 1500;

/**
 * /health, /ready and /metrics, served by every process on its PORT without a key, so
 * orchestrators and Prometheus can probe them (docs/operations.md). No @nestjs/swagger here:
 * the engine and ingest would load it for nothing at every boot; the api's document describes
 * these routes (configure-http.ts).
 */
@Public()
@Controller()
export class ProbesController {
  /** Its own client, retrying nothing: the service's client retries for ~22 s before it fails. */
  private readonly probeKafka: Kafka;

  constructor(
    @Inject(APP_CONFIG) cfg: AppConfig,
    private readonly health: HealthCheckService,
    @Inject(DataSource) private readonly ds: DataSource,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(MODEL_STATUS) private readonly models: ModelStatusRegistry,
    @Inject(CONSUMER_HEALTH) private readonly consumers: ConsumerHealth,
  ) {
    this.probeKafka = createKafka(cfg, undefined, {
      retries: 0,
      connectionTimeout: PROBE_TIMEOUT_MS,
      requestTimeout: PROBE_TIMEOUT_MS,
    });
  }

  /** Liveness: the process answers. */
  @Get('health')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL, Kafka, the models and this process's Kafka consumers are usable. */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: { status(code: number): unknown }) {
    try {
      return await this.checkAll();
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      // The details (which check is down, and why) in every process, whatever its filters.
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return e.getResponse();
    }
  }

  private checkAll() {
    return this.health.check([
      () => this.postgresCheck(),
      () => this.kafkaCheck(),
      (): HealthIndicatorResult => ({
        models: {
          status: this.models.ready() ? 'up' : 'down',
          limits: RULE_SET_MODEL,
          ...this.models.all(),
        },
      }),
      (): HealthIndicatorResult => ({
        consumers: { status: this.consumers.ready() ? 'up' : 'down', ...this.consumers.all() },
      }),
    ]);
  }

  private async postgresCheck(): Promise<HealthIndicatorResult> {
    try {
      await timeBox(this.ds.query('SELECT 1'), PROBE_TIMEOUT_MS, 'postgres');
      return { postgres: { status: 'up' } };
    } catch (e) {
      return { postgres: { status: 'down', message: (e as Error).message } };
    }
  }

  private async kafkaCheck(): Promise<HealthIndicatorResult> {
    const admin = this.probeKafka.admin();
    const check = (async () => {
      await admin.connect();
      return admin.describeCluster();
    })();
    try {
      const c = await timeBox(check, PROBE_TIMEOUT_MS, 'kafka');
      return { kafka: { status: 'up', brokers: c.brokers.length } };
    } catch (e) {
      check.catch(() => undefined);
      return { kafka: { status: 'down', message: (e as Error).message } };
    } finally {
      void admin.disconnect().catch(() => undefined);
    }
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
