// 9003: deleting an expense must take it out of the balance.
import { expectCount, expectText, runTest } from '../../utils/harness.mjs';

await runTest('Balance - deleting an expense updates the balance', async ({ openPage, step }) => {
  const page = await openPage('alice');
  const balance = page.locator('#balance-text');
  const row = (description) => page.locator('#expense-list .expense', { hasText: description });

  await expectText(balance, 'Bob owes you $26.05', 'the seed balance should be shown');

  step('add a taxi ride of 30.00, split equally');
  await page.getByLabel('Description', { exact: true }).fill('Taxi home');
  await page.getByLabel('Amount', { exact: true }).fill('30.00');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectCount(row('Taxi home'), 1, 'the taxi ride should be listed');
  await expectText(balance, 'Bob owes you $41.05', 'the balance should include half of the taxi ride');

  step('delete the taxi ride again');
  await page.getByRole('button', { name: 'Delete Taxi home' }).click();
  await expectCount(row('Taxi home'), 0, 'the taxi ride should be gone from the list');
  await expectText(balance, 'Bob owes you $26.05', 'after deleting the taxi ride the balance should be back to $26.05');

  step('delete a seed expense that Bob owed in full');
  await page.getByRole('button', { name: 'Delete Concert ticket for Bob' }).click();
  await expectCount(row('Concert ticket for Bob'), 0, 'the concert ticket should be gone from the list');
  await expectText(balance, 'You owe Bob $8.95', 'without the concert ticket Alice owes Bob');

  step('Bob sees the same balance');
  const bob = await openPage('bob');
  await expectText(bob.locator('#balance-text'), 'Alice owes you $8.95', 'Bob should see the balance without the deleted expenses');
  await expectCount(bob.locator('#expense-list .expense'), 3, 'Bob should see the three remaining expenses');
});
