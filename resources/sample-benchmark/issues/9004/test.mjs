// 9004: "Settle up" records a payment that clears the balance.
import { expectHidden, expectText, expectVisible, runTest } from '../../utils/harness.mjs';

await runTest('Balance - Settle up records a payment and clears the balance', async ({ openPage, step }) => {
  const page = await openPage('bob');
  const balance = page.locator('#balance-text');
  const settleUp = page.getByRole('button', { name: 'Settle up' });

  await expectText(balance, 'You owe Alice $26.05', 'Bob should see what he owes');
  await expectVisible(settleUp, 'a "Settle up" button should be shown while there is something to settle');

  step('Bob settles up');
  await settleUp.click();
  await expectText(balance, 'You are all settled up', 'after settling up the balance should be cleared');
  await expectHidden(settleUp, 'the "Settle up" button should be hidden when there is nothing to settle');
  const payment = page.locator('#expense-list .expense').first();
  await expectText(payment.locator('.expense-description'), 'Bob paid Alice', 'the payment should be the newest entry in the history');
  await expectText(payment.locator('.expense-amount'), '$26.05', 'the payment should be for the whole balance');

  step('the payment is saved: reload');
  await page.reload();
  await page.locator('body[data-ready="true"]').waitFor();
  await expectText(balance, 'You are all settled up', 'the balance should still be settled after a reload');

  step('Alice sees it and adds a new expense');
  const alice = await openPage('alice');
  await expectText(alice.locator('#balance-text'), 'You are all settled up', 'Alice should see that they are settled up');
  await alice.getByLabel('Description', { exact: true }).fill('Milk');
  await alice.getByLabel('Amount', { exact: true }).fill('4.00');
  await alice.getByRole('button', { name: 'Add expense' }).click();
  await expectText(alice.locator('#balance-text'), 'Bob owes you $2.00', 'a new expense after settling should start a new balance');
  await expectVisible(alice.getByRole('button', { name: 'Settle up' }), 'the "Settle up" button should be back');

  step('deleting the payment brings the old balance back');
  await alice.getByRole('button', { name: 'Delete Bob paid Alice' }).click();
  await expectText(alice.locator('#balance-text'), 'Bob owes you $28.05', 'without the payment Bob owes the old balance plus the milk');
});
