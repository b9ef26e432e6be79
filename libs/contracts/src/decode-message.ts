import { isUtf8 } from 'node:buffer';
import type { ZodError, ZodType, ZodTypeDef } from 'zod';
import { MAX_MESSAGE_BYTES } from './patterns';
import {
  NewsSchema,
  PositionsSnapshotSchema,
  TickSchema,
  type NewsEvent,
  type PositionsSnapshot,
  type Tick,
} from './input-messages';

export enum DecodeErrorCode {
  EmptyValue = 'EMPTY_VALUE',
  TooLarge = 'TOO_LARGE',
  InvalidUtf8 = 'INVALID_UTF8',
  InvalidJson = 'INVALID_JSON',
  NotAnObject = 'NOT_AN_OBJECT',
  Schema = 'SCHEMA',
  MissingKey = 'MISSING_KEY',
  KeyMismatch = 'KEY_MISMATCH',
  FutureTime = 'FUTURE_TIME',
  /** Valid by the contract but refused by PostgreSQL as data (SQLSTATE class 22): the engine's. */
  Unstorable = 'UNSTORABLE',
}

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

export type InputKind = 'tick' | 'news' | 'positions';

/**
 * The service's clock as the decoders see it: a message dated more than `maxClockSkewMs` after
 * `nowMs` is bad input (one far-future tick would make every real one stale). Omitted: no check
 * (offline tools that read recorded streams).
 */
export interface DecodeClock {
  nowMs: number;
  maxClockSkewMs: number;
}

/** Why a message time is refused, or null when it is within the allowed skew. */
export function futureTimeError(tsMs: number, clock: DecodeClock | undefined): DecodeError | null {
  if (!clock || tsMs <= clock.nowMs + clock.maxClockSkewMs) return null;
  return {
    code: DecodeErrorCode.FutureTime,
    message: `ts ${new Date(tsMs).toISOString()} is ${Math.round((tsMs - clock.nowMs) / 1000)} s ahead of the service clock ${new Date(clock.nowMs).toISOString()}; at most ${clock.maxClockSkewMs} ms is allowed (MAX_CLOCK_SKEW_MS)`,
  };
}

interface KindSpec<T> {
  schema: ZodType<T, ZodTypeDef, unknown>;
  /** The body field the Kafka key must equal. */
  keyOf: (value: T) => string;
  keyField: string;
}

const SPECS: {
  tick: KindSpec<Tick>;
  news: KindSpec<NewsEvent>;
  positions: KindSpec<PositionsSnapshot>;
} = {
  tick: { schema: TickSchema, keyOf: (v) => v.symbol, keyField: 'symbol' },
  news: { schema: NewsSchema, keyOf: (v) => v.id, keyField: 'id' },
  positions: {
    schema: PositionsSnapshotSchema,
    keyOf: (v) => v.portfolioId,
    keyField: 'portfolioId',
  },
};

function fail(code: DecodeErrorCode, message: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { code, message } };
}

export function formatZodError(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** The checks every JSON message passes first: size, UTF-8, JSON, an object. */
export function parseJsonObject(value: Buffer | null): Decoded<Record<string, unknown>> {
  if (!value || value.length === 0)
    return fail(DecodeErrorCode.EmptyValue, 'message value is empty');
  if (value.length > MAX_MESSAGE_BYTES) {
    return fail(
      DecodeErrorCode.TooLarge,
      `message is ${value.length} bytes; the limit is ${MAX_MESSAGE_BYTES}`,
    );
  }
  if (!isUtf8(value)) return fail(DecodeErrorCode.InvalidUtf8, 'message value is not valid UTF-8');
  const text = value.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(DecodeErrorCode.InvalidJson, `message value is not JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(DecodeErrorCode.NotAnObject, 'message value must be a JSON object');
  }
  return { ok: true, value: json as Record<string, unknown> };
}

/**
 * Turns a raw Kafka record into a contract message, or says exactly why it cannot be used.
 * The key must be present and equal the body's key field (the contract's "a key that disagrees
 * with the body"): partitioning by that key is what keeps a portfolio on one consumer.
 */
export function decodeInput(
  kind: 'tick',
  key: Buffer | null,
  value: Buffer | null,
  clock?: DecodeClock,
): Decoded<Tick>;
export function decodeInput(
  kind: 'news',
  key: Buffer | null,
  value: Buffer | null,
  clock?: DecodeClock,
): Decoded<NewsEvent>;
export function decodeInput(
  kind: 'positions',
  key: Buffer | null,
  value: Buffer | null,
  clock?: DecodeClock,
): Decoded<PositionsSnapshot>;
export function decodeInput(
  kind: InputKind,
  key: Buffer | null,
  value: Buffer | null,
  clock?: DecodeClock,
): Decoded<Tick | NewsEvent | PositionsSnapshot>;
export function decodeInput(
  kind: InputKind,
  key: Buffer | null,
  value: Buffer | null,
  clock?: DecodeClock,
): Decoded<Tick | NewsEvent | PositionsSnapshot> {
  const object = parseJsonObject(value);
  if (!object.ok) return object;
  const json = object.value;
  const spec = SPECS[kind] as KindSpec<Tick | NewsEvent | PositionsSnapshot>;
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) return fail(DecodeErrorCode.Schema, formatZodError(parsed.error));
  const future = futureTimeError(Date.parse(parsed.data.ts), clock);
  if (future) return { ok: false, error: future };
  const keyError = checkKey(key, spec.keyOf(parsed.data), spec.keyField);
  if (keyError) return { ok: false, error: keyError };
  return { ok: true, value: parsed.data };
}

/** The Kafka key must be present and equal the body's key field. */
export function checkKey(
  key: Buffer | null,
  expected: string,
  keyField: string,
): DecodeError | undefined {
  if (!key || key.length === 0) {
    return {
      code: DecodeErrorCode.MissingKey,
      message: `message has no key; the key must equal ${keyField}`,
    };
  }
  const keyText = key.toString('utf8');
  if (keyText !== expected) {
    return {
      code: DecodeErrorCode.KeyMismatch,
      message: `key ${JSON.stringify(keyText.slice(0, 140))} disagrees with ${keyField} ${JSON.stringify(expected)}`,
    };
  }
  return undefined;
}
