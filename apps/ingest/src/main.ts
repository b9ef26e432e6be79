import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { PlatformModule, loadConfig } from '@risk/platform';
import { IngestModule } from './ingest.module';

async function bootstrap(): Promise<void> {
  @Module({ imports: [PlatformModule.forRoot(loadConfig()), IngestModule] })
  class IngestAppModule {}
  const app = await NestFactory.createApplicationContext(IngestAppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
}
void bootstrap();
