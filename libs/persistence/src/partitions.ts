/**
 * Month partitions of the history tables (evaluations, alerts; migration 1796010000030):
 * which to create ahead and which retention may drop. Pure functions here; the SQL is in
 * retention-job.ts.
 */

/** Tables partitioned by month of `ts`; retention drops their partitions whole. */
export const PARTITIONED_TABLES = ['evaluations', 'alerts'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

/** Months created ahead of the current one, so rows never wait on the job to land in a month. */
export const PARTITION_MONTHS_AHEAD = 2;

/** One partition as `pg_get_expr(relpartbound)` describes it; bounds in ms (±Infinity: open). */
export interface PartitionRange {
  name: string;
  /** The DEFAULT partition: catches rows no month partition covers. */
  isDefault: boolean;
  from: number;
  to: number;
}

/** The UTC month that holds `t`, as its first instant. */
export function monthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function addMonths(month: number, n: number): number {
  const d = new Date(month);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/** `evaluations_p202612` for December 2026. */
export function partitionName(table: string, month: number): string {
  const d = new Date(month);
  return `${table}_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A bound as PostgreSQL prints it (session time zone UTC): `'2026-12-01 00:00:00+00'`, MINVALUE. */
function parseBound(raw: string): number {
  const v = raw.trim();
  if (v === 'MINVALUE') return -Infinity;
  if (v === 'MAXVALUE') return Infinity;
  const m = /^'(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?'$/.exec(
    v,
  );
  if (!m) throw new Error(`unreadable partition bound ${v}`);
  const t = Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4] ?? '00'}`);
  if (!Number.isFinite(t)) throw new Error(`unreadable partition bound ${v}`);
  return t;
}

/** Reads `FOR VALUES FROM (…) TO (…)` or `DEFAULT`. */
export function parsePartitionBound(name: string, expr: string): PartitionRange {
  if (expr.trim() === 'DEFAULT') return { name, isDefault: true, from: -Infinity, to: Infinity };
  const m = /^FOR VALUES FROM \((.+)\) TO \((.+)\)$/.exec(expr.trim());
  if (!m) throw new Error(`unreadable partition bound of ${name}: ${expr}`);
  return { name, isDefault: false, from: parseBound(m[1]), to: parseBound(m[2]) };
}

/**
 * Month starts, from the current month through PARTITION_MONTHS_AHEAD after it, that no
 * existing (non-default) partition overlaps: the partitions to create.
 */
export function monthsToCreate(
  existing: readonly PartitionRange[],
  now: number,
  ahead = PARTITION_MONTHS_AHEAD,
): number[] {
  const out: number[] = [];
  const first = monthStart(now);
  for (let k = 0; k <= ahead; k++) {
    const from = addMonths(first, k);
    const to = addMonths(first, k + 1);
    if (!existing.some((p) => !p.isDefault && p.from < to && p.to > from)) out.push(from);
  }
  return out;
}

/**
 * Partitions retention may drop: every row they can hold is older than the cut-off (their upper
 * bound is at or before it). The default partition is never dropped.
 */
export function partitionsToDrop(existing: readonly PartitionRange[], cutoff: number): string[] {
  return existing.filter((p) => !p.isDefault && p.to <= cutoff).map((p) => p.name);
}
