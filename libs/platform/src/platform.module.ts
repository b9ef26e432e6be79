import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  RequestMethod,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { Kafka } from 'kafkajs';
import { openDatabase } from '@risk/persistence';
import { APP_CONFIG, loadConfig, type AppConfig } from './app-config';
import { CLOCK, systemClock } from './clock';
import { LOG_REDACT_PATHS, redactUrl } from './log-redaction';
import { KAFKA, TOPICS, configuredTopics, createKafka } from './kafka';
import { METRICS, ServiceMetrics } from './metrics';
import { MODEL_STATUS, ModelStatusRegistry } from './model-status';

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/**
 * Infrastructure every app shares: validated config, PostgreSQL (migrated at boot), Kafka,
 * metrics, clock and logging. Pass a config to override the environment (tests do).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig = loadConfig()) {
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          // Nest 11's router syntax for "every path" (the default '*' is legacy and warns).
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            redact: LOG_REDACT_PATHS,
            serializers: {
              req: (req: { url?: string }) => Object.assign(req, { url: redactUrl(req.url) }),
            },
            autoLogging: false,
          },
        }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: METRICS, useValue: new ServiceMetrics() },
        { provide: CLOCK, useValue: systemClock },
        { provide: MODEL_STATUS, useValue: new ModelStatusRegistry() },
        { provide: TOPICS, useValue: configuredTopics(config) },
        {
          provide: KAFKA,
          useFactory: (): Kafka => {
            const log = new Logger('Kafka');
            return createKafka(config, {
              warn: (o, m) => log.warn({ ...o, msg: m }),
              error: (o, m) => log.error({ ...o, msg: m }),
            });
          },
        },
        { provide: DataSource, useFactory: () => openDatabase(config.databaseUrl) },
        DataSourceCloser,
      ],
      exports: [APP_CONFIG, METRICS, CLOCK, MODEL_STATUS, TOPICS, KAFKA, DataSource],
    };
  }
}
