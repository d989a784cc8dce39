/**
 * Number and label formatting shared by the task browser's views.
 */
import type { Variant } from '../../../../shared/tasks';
import { assertNever } from '../../../../shared/result';
export { formatBytes, formatCount, formatDollars, plural } from '../../format';

/**
 * The variants, in display order. Kept here rather than imported from shared/tasks.ts, whose
 * zod schemas would otherwise pull zod into the renderer bundle; the type check below keeps
 * the two lists in step.
 */
export const variantList = ['ic_swe', 'swe_manager'] as const satisfies readonly Variant[];
type MissingVariant = Exclude<Variant, (typeof variantList)[number]>;
const everyVariantListed: MissingVariant extends never ? true : false = true;
void everyVariantListed;






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
