/** A numeric command-line option: absent stays undefined, anything not a finite number is refused. */
export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new Error(`--${name} must be a number, got "${value}"`);
  }
  return n;
}
