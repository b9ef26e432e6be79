import { RequestMethod, ValidationPipe, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { JsonExceptionFilter } from './http-exception.filter';

/** HTTP setup shared by the api app, the all-in-one process and the tests. */
export function configureHttp(app: INestApplication): void {
  app.setGlobalPrefix('api/v1', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      { path: '/', method: RequestMethod.GET },
      { path: 'dashboard', method: RequestMethod.GET },
      { path: 'dashboard/dashboard.css', method: RequestMethod.GET },
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
        'Every route but /health needs Authorization: Bearer <API key> (roles: viewer reads, admin ' +
        'also manages webhooks); /stream also takes ?access_token=. See docs/api.md.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('api/docs', app, () => {
    const document = SwaggerModule.createDocument(app, doc);
    // The one open route says so.
    const health = document.paths['/health']?.get;
    if (health) health.security = [];
    return document;
  });
}
