/**
 * SQLSTATE of an error PostgreSQL raised (from node-postgres, or TypeORM's QueryFailedError
 * around one); undefined for any other error.
 */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.driverError?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether PostgreSQL refused the data itself (SQLSTATE class 22, "data exception": 22P05
 * untranslatable character, 22021 bad byte sequence, 22003 numeric out of range, …). Retrying
 * such an item fails the same way for ever, so it is dead-lettered instead; any other error
 * (connection, lock, serialization) may pass and is retried.
 */
export function isBadDataError(err: unknown): boolean {
  return sqlState(err)?.startsWith('22') ?? false;
}
