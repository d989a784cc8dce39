/** Dollars as the CLI prints them: `$1,234.5`; whole dollars with `decimals` 0. */
export function formatDollarsCli(n: number, decimals = 2): string {
  return `$${n.toLocaleString('en-US', { maximumFractionDigits: decimals })}`;
}
