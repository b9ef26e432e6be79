import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}
import { DomainError, DomainErrorCode } from '@risk/platform';
import { errorLogEntry } from './error-log';

const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  [DomainErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [DomainErrorCode.InvalidArgument]: HttpStatus.BAD_REQUEST,
  [DomainErrorCode.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
};

/** Every error leaves as JSON; a 500 carries an error id that is logged with a redacted message. */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<JsonResponse>();
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const body = err.getResponse();
      const message =
        typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? err.message);
      res
        .status(status)
        .json({ statusCode: status, error: HttpStatus[status] ?? 'Error', message });
      return;
    }
    if (err instanceof DomainError) {
      const status = DOMAIN_STATUS[err.code];
      res.status(status).json({ statusCode: status, error: err.code, message: err.message });
      return;
    }
    const errorId = randomUUID();
    // Never the error itself: a driver error carries the statement's parameters.
    this.log.error(errorLogEntry(err, errorId), 'unhandled error');
    res.status(500).json({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error',
      errorId,
    });
  }
}
