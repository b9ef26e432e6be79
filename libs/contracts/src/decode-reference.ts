import { DecodeErrorCode, checkKey, formatZodError, parseJsonObject } from './decode-message';
import type { Decoded } from './decode-message';
import { ID_PATTERN, SYMBOL_PATTERN } from './patterns';
import {
  InstrumentSchema,
  RelationSchema,
  type Instrument,
  type Relation,
} from './reference-messages';

export type ReferenceKind = 'instrument' | 'relation';

/**
 * What one reference message asks for: keep this version of the key, or remove the key (a
 * tombstone, null value). A relation of weight 0 is kept as a version, with its `ts`, so that an
 * older message seen later cannot bring the edge back; readers treat weight 0 as no edge.
 */
export type ReferenceChange =
  | { kind: 'instrument'; op: 'upsert'; key: string; value: Instrument }
  | { kind: 'relation'; op: 'upsert'; key: string; value: Relation }
  | { kind: ReferenceKind; op: 'delete'; key: string };

const KEY_RULES: Record<ReferenceKind, { pattern: RegExp; field: string }> = {
  instrument: { pattern: SYMBOL_PATTERN, field: 'symbol' },
  relation: { pattern: ID_PATTERN, field: 'id' },
};

/** The contract's default `MAX_CLOCK_SKEW_MS`. */
export const DEFAULT_REFERENCE_MAX_SKEW_MS = 5 * 60 * 1000;

export interface ReferenceDecodeOptions {
  /** The service's clock; with it, a `ts` too far ahead is refused. */
  now?: Date;
  maxSkewMs?: number;
}

/**
 * Turns a raw record of a reference topic into a change, or says exactly why it cannot be used.
 * A `ts` far in the future matters more here than elsewhere: an older `ts` never replaces a
 * stored version, so one such message would freeze its key until a tombstone.
 */
export function decodeReference(
  kind: ReferenceKind,
  key: Buffer | null,
  value: Buffer | null,
  options: ReferenceDecodeOptions = {},
): Decoded<ReferenceChange> {
  const rule = KEY_RULES[kind];
  if (value === null) {
    // A tombstone carries only its key, so the key alone must be a valid one.
    const keyText = key?.toString('utf8') ?? '';
    if (keyText.length === 0) {
      return {
        ok: false,
        error: {
          code: DecodeErrorCode.MissingKey,
          message: `tombstone has no key; the key must be the ${rule.field} to remove`,
        },
      };
    }
    if (!rule.pattern.test(keyText)) {
      return {
        ok: false,
        error: {
          code: DecodeErrorCode.Schema,
          message: `tombstone key ${JSON.stringify(keyText.slice(0, 140))} is not a valid ${rule.field}`,
        },
      };
    }
    return { ok: true, value: { kind, op: 'delete', key: keyText } };
  }
  const object = parseJsonObject(value);
  if (!object.ok) return object;
  if (options.now && typeof object.value.ts === 'string') {
    const maxSkewMs = options.maxSkewMs ?? DEFAULT_REFERENCE_MAX_SKEW_MS;
    const ahead = Date.parse(object.value.ts) - options.now.getTime();
    if (ahead > maxSkewMs) {
      return schemaError(
        `ts: is ${ahead} ms ahead of the service clock (at most ${maxSkewMs}); it would freeze this key`,
      );
    }
  }
  if (kind === 'instrument') {
    const parsed = InstrumentSchema.safeParse(object.value);
    if (!parsed.success) return schemaError(formatZodError(parsed.error));
    const keyError = checkKey(key, parsed.data.symbol, 'symbol');
    if (keyError) return { ok: false, error: keyError };
    return {
      ok: true,
      value: { kind, op: 'upsert', key: parsed.data.symbol, value: parsed.data },
    };
  }
  const parsed = RelationSchema.safeParse(object.value);
  if (!parsed.success) return schemaError(formatZodError(parsed.error));
  const keyError = checkKey(key, parsed.data.id, 'id');
  if (keyError) return { ok: false, error: keyError };
  return { ok: true, value: { kind, op: 'upsert', key: parsed.data.id, value: parsed.data } };
}

function schemaError(message: string): Decoded<never> {
  return { ok: false, error: { code: DecodeErrorCode.Schema, message } };
}
