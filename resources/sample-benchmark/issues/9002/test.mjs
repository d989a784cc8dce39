// 9002: amounts whose cents are below 10 must keep two decimals ($3.07, not $3.7).
import { expectText, runTest } from '../../utils/harness.mjs';

await runTest('Expenses - amounts with fewer than 10 cents are shown with two decimals', async ({ openPage, step }) => {
  const page = await openPage('alice');
  const balance = page.locator('#balance-text');
  const row = (description) => page.locator('#expense-list .expense', { hasText: description });

  step('the seed balance is shown in dollars and cents');
  await expectText(balance, 'Bob owes you $26.05', 'the balance should show the cents with two digits');
  await expectText(row('Groceries').locator('.expense-amount'), '$42.60', 'a seed expense should show its amount');

  step('add an expense of 3.07');
  await page.getByLabel('Description', { exact: true }).fill('Coffee beans');
  await page.getByLabel('Amount', { exact: true }).fill('3.07');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectText(row('Coffee beans').locator('.expense-amount'), '$3.07', 'the new expense should show $3.07');
  await expectText(balance, 'Bob owes you $27.58', 'the balance should include half of $3.07 (rounded down)');

  step('add an expense of 1205');
  await page.getByLabel('Description', { exact: true }).fill('New sofa');
  await page.getByLabel('Amount', { exact: true }).fill('1205');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectText(row('New sofa').locator('.expense-amount'), '$1,205.00', 'a whole amount should show .00');
  await expectText(balance, 'Bob owes you $630.08', 'the balance should include half of the sofa');

  step('Bob sees the same amounts');
  const bob = await openPage('bob');
  await expectText(bob.locator('#balance-text'), 'You owe Alice $630.08', 'Bob should see what he owes with two decimals');
  await expectText(bob.locator('#expense-list .expense', { hasText: 'Coffee beans' }).locator('.expense-amount'), '$3.07', 'Bob should see $3.07');
});
