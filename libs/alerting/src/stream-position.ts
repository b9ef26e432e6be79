/**
 * A position in stream_events: (transaction id, sequence). Rows are read in this order and only
 * once their transaction is older than every running one, so positions only ever grow.
 */
export interface StreamPosition {
  txId: string;
  seq: string;
}

export const STREAM_START: StreamPosition = { txId: '-1', seq: '0' };

/** Opaque text form, used as the SSE event id: `<txId>-<seq>`. */
export function formatPosition(p: StreamPosition): string {
  return `${p.txId}-${p.seq}`;
}

const BIGINT_MAX = 2n ** 63n - 1n;

/**
 * An id this stream could have sent, or null: both parts must fit PostgreSQL's bigint, or the
 * read would fail after the stream's headers and the client would reconnect with it for ever.
 */
export function parsePosition(text: string): StreamPosition | null {
  const m = /^(-1|\d{1,19})-(\d{1,19})$/.exec(text.trim());
  if (!m || BigInt(m[1]) > BIGINT_MAX || BigInt(m[2]) > BIGINT_MAX) return null;
  return { txId: BigInt(m[1]).toString(), seq: BigInt(m[2]).toString() };
}

/**
 * The SQL condition for "committed, final, and after ($a, $b)": `stream_safe_xid()` (migration
 * StreamSafeXid) is the oldest transaction of this database still running, so every row of an
 * older transaction is visible now and no row can join them later.
 */
export function afterPositionSql(alias: string, txParam: string, seqParam: string): string {
  return `(${alias}.tx_id, ${alias}.seq) > (${txParam}::bigint, ${seqParam}::bigint)
    AND ${alias}.tx_id < (SELECT stream_safe_xid())`;
}
