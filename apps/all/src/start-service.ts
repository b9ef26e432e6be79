import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { enableGracefulShutdown, type AppConfig } from '@risk/platform';
// eslint-disable-next-line no-restricted-imports
import { configureHttp } from '../../api/src/configure-http';
import { AllModule } from './all.module';

/** Boots every service in one process (laptop, demo, end-to-end tests). */
export async function startService(
  cfg: AppConfig,
  opts: { listen?: boolean } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(AllModule.forRoot(cfg), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  enableGracefulShutdown(app);
  configureHttp(app);
  if (opts.listen === false) await app.init();
  else await app.listen(cfg.port, cfg.host);
  return app;
}
