/**
 * Dollars as the CLI prints them: `$1,234.5`; whole dollars with `decimals` 0. The same text as
 * `toLocaleString('en-US', { maximumFractionDigits })` (the test holds them equal), written out
 * because the first Intl formatter a process makes loads ICU's data: ~25 ms, a tenth of what
 * `lancer results` may take in all.
 */
export function formatDollarsCli(n: number, decimals = 2): string {
  // The shortest decimal that reads back as `n`: what V8's formatter rounds from, half away from zero.
  const text = String(Math.abs(n));
  if (!Number.isFinite(n) || text.includes('e')) return `$${n.toLocaleString('en-US', { maximumFractionDigits: decimals })}`;
  const point = text.indexOf('.');
  let whole = point < 0 ? text : text.slice(0, point);
  let fraction = point < 0 ? '' : text.slice(point + 1);
  if (fraction.length > decimals) {
    const roundUp = fraction[decimals]! >= '5';
    fraction = fraction.slice(0, decimals);
    if (roundUp) {
      // One unit more in the last place kept, carried leftwards through the nines.
      const digits = [...whole + fraction].map(Number);
      let i = digits.length - 1;
      while (i >= 0 && digits[i] === 9) digits[i--] = 0;
      if (i < 0) digits.unshift(1);
      else digits[i]! += 1;
      const all = digits.join('');
      whole = all.slice(0, all.length - fraction.length);
      fraction = all.slice(all.length - fraction.length);
    }
  }
  fraction = fraction.replace(/0+$/, '');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  // A negative amount that rounds to nothing still shows its sign, as Intl's does ("-0").
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  return `$${sign}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Which try a CLI line is about, counted from 1 as the Runs page counts them: the task, then the
 * attempt when the run makes several per task (`--attempts N`), then the try when a system error
 * was retried. `9001`, `9001 (attempt 2)`, `9001 (attempt 2, try 2)`.
 */
export function attemptLabel(a: { questionId: string; attemptIndex: number; tryIndex: number }): string {
  const which = [a.attemptIndex > 0 ? `attempt ${a.attemptIndex + 1}` : '', a.tryIndex > 0 ? `try ${a.tryIndex + 1}` : ''].filter(Boolean);
  return which.length ? `${a.questionId} (${which.join(', ')})` : a.questionId;
}
