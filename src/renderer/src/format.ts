/**
 * Number formats every page shares: dollars, counts, sizes.
 */
const dollarFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const countFormat = new Intl.NumberFormat('en-US');

/** `$377,000`: prices in the benchmark are whole dollars in practice. */
export function formatDollars(value: number): string {
  return dollarFormat.format(value);
}

export function formatCount(value: number): string {
  return countFormat.format(value);
}

/** `1 task`, `174 tasks`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** Decimal units, as `docker images` and `lancer images` print them: `812 B`, `1.21 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit] ?? 'TB'}`;
}
