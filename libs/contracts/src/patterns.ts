/** Lexical rules of the public contract (shared/CONTRACT.md, "Conventions"). */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9.-]{0,15}$/;
/** ISO-8601 UTC with a `Z` suffix; fractional seconds optional (up to nanoseconds). */
export const ISO_UTC_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

export const MAX_HEADLINE_CHARS = 512;
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_NEWS_SYMBOLS = 64;
export const MAX_POSITIONS = 5000;
/** A raw message larger than this is refused before it is parsed. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Sanity bounds: numbers beyond them are out of range, not just large. */
export const MAX_PRICE = 1e9;
export const MAX_ABS_QUANTITY = 1e12;
export const MAX_ABS_MONEY = 1e15;
