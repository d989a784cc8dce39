// 9005: an invalid amount must be rejected with a message, and must not take the app down.
import { expectCount, expectText, runTest } from '../../utils/harness.mjs';

await runTest('Expenses - an invalid amount shows an error and the app keeps working', async ({ openPage, step }) => {
  const page = await openPage('alice');
  const error = page.locator('#expense-error');
  const row = (description) => page.locator('#expense-list .expense', { hasText: description });

  step('add an expense with a decimal comma: 12,50');
  await page.getByLabel('Description', { exact: true }).fill('Train tickets');
  await page.getByLabel('Amount', { exact: true }).fill('12,50');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectText(error, 'Amount must be a number like 12.50', 'the form should explain what is wrong with the amount');
  await expectCount(row('Train tickets'), 0, 'nothing should be added for an invalid amount');

  step('correct the amount to 12.50');
  await page.getByLabel('Amount', { exact: true }).fill('12.50');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectCount(row('Train tickets'), 1, 'the corrected expense should be added');
  await expectText(row('Train tickets').locator('.expense-amount'), '$12.50', 'the expense should show its amount');
  await expectText(error, '', 'the error should be cleared');
  await expectText(page.locator('#balance-text'), 'Bob owes you $32.30', 'the balance should include half of the tickets');

  step('an empty description is rejected too, and chat still works');
  await page.getByLabel('Amount', { exact: true }).fill('5');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectText(error, 'Description is required', 'a missing description should be reported');
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.fill('Added the train tickets');
  await page.getByRole('button', { name: 'Send' }).click();
  await expectText(page.locator('#messages .message').last().locator('.text'), 'Added the train tickets', 'sending a chat message should still work');

  step('Bob can still open the app');
  const bob = await openPage('bob');
  await expectText(bob.locator('#balance-text'), 'You owe Alice $32.30', 'Bob should see the new balance');
});
