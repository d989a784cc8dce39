// 9006: double-clicking "Add expense" on a slow connection must add the expense once.
import { eventually, expectCount, expectText, runTest } from '../../utils/harness.mjs';

await runTest('Expenses - a double click on "Add expense" adds the expense once', async ({ openPage, step }) => {
  const page = await openPage('alice');
  const row = (description) => page.locator('#expense-list .expense', { hasText: description });

  step('slow down saving expenses to 600 ms, like a slow mobile connection');
  await page.route('**/api/expenses', async (route) => {
    if (route.request().method() === 'POST') await new Promise((resolve) => setTimeout(resolve, 600));
    await route.continue();
  });

  step('double-click "Add expense"');
  await page.getByLabel('Description', { exact: true }).fill('Hardware store');
  await page.getByLabel('Amount', { exact: true }).fill('19.99');
  await page.getByRole('button', { name: 'Add expense' }).dblclick();
  await eventually('the expense should appear in the list', () => row('Hardware store').count(), (n) => n >= 1, 'at least 1 element');
  await page.waitForTimeout(1500);
  await expectCount(row('Hardware store'), 1, 'the expense should be added exactly once');
  await expectText(page.locator('#balance-text'), 'Bob owes you $36.04', 'the balance should include the expense once');

  step('the server has it once too: reload');
  await page.unroute('**/api/expenses');
  await page.reload();
  await page.locator('body[data-ready="true"]').waitFor();
  await expectCount(row('Hardware store'), 1, 'after a reload the expense should still be listed once');

  step('a second, separate expense still works');
  await page.getByLabel('Description', { exact: true }).fill('Paint');
  await page.getByLabel('Amount', { exact: true }).fill('10');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectCount(row('Paint'), 1, 'a later expense should be added normally');
  await expectText(page.locator('#balance-text'), 'Bob owes you $41.04', 'the balance should include both expenses once');
});
