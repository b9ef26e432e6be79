import { ValidateBy } from 'class-validator';
import { decodeCursor } from '@risk/persistence';

/**
 * Instants the API accepts in `from`, `to` and `since`: a calendar date (`2024-01-31`, midnight
 * UTC) or a date and time with seconds optional, up to nine fractional digits, and `Z` or an
 * offset (`2024-01-31T09:30:00.5+01:00`). Other ISO-8601 forms (week and ordinal dates, times
 * without a zone, a bare hour) are refused rather than guessed.
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const INSTANT_FORMS =
  'YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.fraction]] with Z or ±HH:MM (RFC 3339)';

/** The instant in canonical form (`toISOString`), or null when the text is not one we accept. */
export function parseInstant(text: string): string | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', , zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return null;
  // A date that does not exist (31 April, 29 February of a common year) is refused, not rolled.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  if (zone !== 'Z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number);
    if (zh > 23 || zm > 59) return null;
  }
  const at = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A page cursor this API issued: its time must be a real instant and its id a UUID. */
export function parseCursor(text: string): { ts: string; id: string } | null {
  const c = decodeCursor(text);
  if (!c || !UUID.test(c.id) || parseInstant(c.ts) !== c.ts) return null;
  return c;
}

/** Validates a query field with `parseInstant` (400 with the accepted forms otherwise). */
export const IsInstant = () =>
  ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && parseInstant(v) !== null,
      defaultMessage: (a) => `${a?.property ?? 'value'} must be ${INSTANT_FORMS}`,
    },
  });
