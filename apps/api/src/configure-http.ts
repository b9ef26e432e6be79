import { RequestMethod, ValidationPipe, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { JsonExceptionFilter } from './http-exception.filter';

/** HTTP setup shared by the api app, the all-in-one process and the tests. */
export function configureHttp(app: INestApplication): void {
  // Security headers on every response. The page loads only its own files (its script is a
  // file, not inline); plain HTTP stays plain (TLS, where there is any, ends in front of it).
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.setGlobalPrefix('api/v1', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      { path: '/', method: RequestMethod.GET },
      { path: 'dashboard', method: RequestMethod.GET },
      { path: 'dashboard/dashboard.css', method: RequestMethod.GET },
      { path: 'dashboard/dashboard.js', method: RequestMethod.GET },
      { path: 'dashboard/vendor/:file', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalFilters(new JsonExceptionFilter());
  const doc = new DocumentBuilder()
    .setTitle('Risk decision service')
    .setDescription(
      'Live portfolio risk: evaluations with their explanation, alerts, a live stream and webhooks. ' +
        'Every /api/v1 route needs Authorization: Bearer <API key> (roles: viewer reads, admin ' +
        'also manages webhooks); /stream also takes ?access_token=. /health and /ready (probes) ' +
        'need none. See docs/api.md and docs/operations.md.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('api/docs', app, () => {
    const document = SwaggerModule.createDocument(app, doc);
    // The probes are open; /metrics is Prometheus text for scrapers, not part of the API.
    for (const path of ['/health', '/ready']) {
      const op = document.paths[path]?.get;
      if (op) op.security = [];
    }
    const health = document.paths['/health']?.get;
    if (health)
      health.responses = {
        '200': {
          description: 'The process is alive',
          content: { 'application/json': { schema: { example: { status: 'ok' } } } },
        },
      };
    const ready = document.paths['/ready']?.get;
    if (ready)
      ready.responses = {
        '200': { description: 'PostgreSQL, Kafka, the models and the consumers are usable' },
        '503': { description: 'One is not: the body names which and why (docs/operations.md)' },
      };
    delete document.paths['/metrics'];
    return document;
  });
}
