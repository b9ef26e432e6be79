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
    ],
  });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalFilters(new JsonExceptionFilter());
  const doc = new DocumentBuilder()
    .setTitle('Risk decision service')
    .setDescription(
      'Live portfolio risk: evaluations with their explanation, alerts. See docs/ for the contract.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc));
}
