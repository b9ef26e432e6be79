/**
 * What pino blanks in every log line: credentials in headers and in the stream's
 * `?access_token=`, and any field named like a secret, a query's parameters or a driver's
 * detail (they carry the values of a failed statement).
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.access_token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'parameters',
  '*.parameters',
  'detail',
  '*.detail',
  '*.webhookSecretKey',
  '*.databaseUrl',
];

/** A request URL with the value of `access_token` blanked. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&]access_token=)[^&#]*/gi, '$1[Redacted]');
}
