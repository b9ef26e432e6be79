/**
 * What the logs keep of an unexpected error: its class, driver code, a message with every
 * quoted value and token blanked, and the stack frames, never a query's parameters or a
 * driver's detail (a failed insert carries the row, a webhook's signing secret included).
 */
export interface ErrorLogEntry {
  errorId: string;
  errorName: string;
  code?: string;
  message: string;
  frames: string[];
}

const MAX_MESSAGE = 300;

/** Quoted values, parenthesised key values, and anything shaped like a key or a secret. */
const SECRET_SHAPES: [RegExp, string][] = [
  [/\b(?:whsec|rsk|sk|pk)_[A-Za-z0-9+/=_-]+/g, '[redacted]'],
  [/enc:v1:[A-Za-z0-9:_-]+/g, '[redacted]'],
  [/"(?:[^"\\]|\\.)*"/g, '"…"'],
  [/'(?:[^'\\]|\\.)*'/g, "'…'"],
  [/\((?:[^()]*)\)=\((?:[^()]*)\)/g, '(…)=(…)'],
  [/\b[A-Za-z0-9+/_-]{32,}={0,2}/g, '[redacted]'],
];

export function redactErrorMessage(message: string): string {
  let text = message;
  for (const [shape, by] of SECRET_SHAPES) text = text.replace(shape, by);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

export function errorLogEntry(err: unknown, errorId: string): ErrorLogEntry {
  if (!(err instanceof Error))
    return { errorId, errorName: typeof err, message: '(not an Error)', frames: [] };
  const code = (err as { code?: unknown }).code;
  return {
    errorId,
    errorName: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: redactErrorMessage(err.message),
    // The first line of a stack repeats the message: only the frames are kept.
    frames: (err.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .slice(0, 10)
      .map((l) => l.trim()),
  };
}
