/** Domain errors carry a code; the edges (HTTP filter, dead letters) map codes, never messages. */
export enum DomainErrorCode {
  NotFound = 'NOT_FOUND',
  InvalidArgument = 'INVALID_ARGUMENT',
  Unavailable = 'UNAVAILABLE',
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
}
