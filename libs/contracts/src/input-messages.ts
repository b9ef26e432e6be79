import { z } from 'zod';
import {
  ID_PATTERN,
  ISO_UTC_PATTERN,
  MAX_ABS_MONEY,
  MAX_ABS_QUANTITY,
  MAX_BODY_BYTES,
  MAX_HEADLINE_CHARS,
  MAX_NEWS_SYMBOLS,
  MAX_POSITIONS,
  MAX_PRICE,
  SYMBOL_PATTERN,
} from './patterns';

const id = z.string().regex(ID_PATTERN, 'must be 1..128 chars of [A-Za-z0-9._:-]');
const symbol = z.string().regex(SYMBOL_PATTERN, 'must match ^[A-Z0-9][A-Z0-9.\\-]{0,15}$');
const isoTime = z
  .string()
  .regex(ISO_UTC_PATTERN, 'must be an ISO-8601 UTC time like 2026-11-30T09:30:00.000Z')
  .refine((s) => Number.isFinite(Date.parse(s)), 'is not a real calendar time');
// PostgreSQL's jsonb refuses U+0000 and JSON text cannot carry a lone surrogate as UTF-8: such
// text is refused here (dead-lettered with this reason) rather than failing later in storage.
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what is looked for
const UNSAFE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` holds a NUL character or a lone UTF-16 surrogate. */
export function hasUnsafeText(s: string): boolean {
  return UNSAFE_TEXT.test(s);
}

/** Free text of a message: no NUL characters, no lone surrogates. */
export const safeText = () =>
  z.string().refine((s) => !hasUnsafeText(s), 'must not contain NUL characters or lone surrogates');

const price = z.number().finite().gt(0, 'must be > 0').lte(MAX_PRICE, `must be <= ${MAX_PRICE}`);

export const TickSchema = z.object({
  id,
  symbol,
  price,
  ts: isoTime,
  volume: z.number().finite().gte(0, 'must be >= 0').optional(),
});

export const NewsSchema = z.object({
  id,
  ts: isoTime,
  headline: safeText().pipe(z.string().min(1).max(MAX_HEADLINE_CHARS)),
  body: safeText()
    .refine(
      (s) => Buffer.byteLength(s, 'utf8') <= MAX_BODY_BYTES,
      `must be at most ${MAX_BODY_BYTES} bytes`,
    )
    .optional(),
  symbols: z.array(symbol).max(MAX_NEWS_SYMBOLS).default([]),
  /** Issuer ids the story is about (reference data); optional, like `symbols`. */
  entities: z.array(id).max(MAX_NEWS_SYMBOLS).optional(),
  source: safeText().pipe(z.string().max(128)).optional(),
});

/**
 * Limits are strict: a misspelt limit would otherwise be ignored silently, which a risk desk
 * would read as "limit set". Unknown top-level fields are tolerated (tolerant reader).
 */
export const LimitsSchema = z
  .object({
    maxWeight: z.number().finite().gt(0).lte(1).optional(),
    var99: z.number().finite().gt(0).lte(MAX_ABS_MONEY).optional(),
    es99: z.number().finite().gt(0).lte(MAX_ABS_MONEY).optional(),
    maxDrawdown: z.number().finite().gt(0).lte(1).optional(),
    maxGrossLeverage: z.number().finite().gt(0).lte(1000).optional(),
  })
  .strict();

export const PositionSchema = z.object({
  symbol,
  quantity: z.number().finite().gte(-MAX_ABS_QUANTITY).lte(MAX_ABS_QUANTITY),
  price: price.optional(),
});

export const PositionsSnapshotSchema = z.object({
  id,
  portfolioId: id,
  ts: isoTime,
  baseCurrency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code'),
  cash: z.number().finite().gte(-MAX_ABS_MONEY).lte(MAX_ABS_MONEY),
  positions: z.array(PositionSchema).max(MAX_POSITIONS),
  limits: LimitsSchema.optional(),
});

export type Tick = z.infer<typeof TickSchema>;
export type NewsEvent = z.infer<typeof NewsSchema>;
export type Limits = z.infer<typeof LimitsSchema>;
export type Position = z.infer<typeof PositionSchema>;
export type PositionsSnapshot = z.infer<typeof PositionsSnapshotSchema>;
