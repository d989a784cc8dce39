/**
 * Number and label formatting shared by the task browser's views.
 */
import type { Variant } from '../../../../shared/tasks';
import { assertNever } from '../../../../shared/result';

/**
 * The variants, in display order. Kept here rather than imported from shared/tasks.ts, whose
 * zod schemas would otherwise pull zod into the renderer bundle; the type check below keeps
 * the two lists in step.
 */
export const variantList = ['ic_swe', 'swe_manager'] as const satisfies readonly Variant[];
type MissingVariant = Exclude<Variant, (typeof variantList)[number]>;
const everyVariantListed: MissingVariant extends never ? true : false = true;
void everyVariantListed;

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

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? 'GiB'}`;
}

export function variantLabel(variant: Variant): string {
  switch (variant) {
    case 'ic_swe':
      return 'IC SWE';
    case 'swe_manager':
      return 'Manager';
    default:
      return assertNever(variant, 'variant');
  }
}
