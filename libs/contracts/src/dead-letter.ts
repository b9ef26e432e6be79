import type { DecodeError } from './decode-message';

/** The `risk.dlq` record of the contract. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  encoding?: 'base64';
  error: string;
  errorCode: string;
  ts: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(buf: Buffer): { text: string; base64: boolean } {
  try {
    return { text: utf8.decode(buf), base64: false };
  } catch {
    return { text: buf.toString('base64'), base64: true };
  }
}

export function buildDeadLetter(args: {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  error: DecodeError;
  now: Date;
}): DeadLetter {
  const value = args.value ? asText(args.value) : null;
  const key = args.key ? asText(args.key) : null;
  const letter: DeadLetter = {
    topic: args.topic,
    partition: args.partition,
    offset: args.offset,
    key: key ? key.text : null,
    value: value ? value.text : null,
    error: args.error.message,
    errorCode: args.error.code,
    ts: args.now.toISOString(),
  };
  // One flag for the record: the contract names a single `encoding` field. A non-UTF-8 key is
  // rare enough that it shares it with the value.
  if (value?.base64 || key?.base64) letter.encoding = 'base64';
  return letter;
}
