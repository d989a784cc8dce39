// 9008: split an expense by exact amounts.
import { expectCount, expectText, expectVisible, runTest } from '../../utils/harness.mjs';

await runTest('Expenses - split an expense by exact amounts', async ({ openPage, step }) => {
  const page = await openPage('alice');
  const balance = page.locator('#balance-text');
  const split = page.getByRole('combobox', { name: 'Split', exact: true });
  const row = (description) => page.locator('#expense-list .expense', { hasText: description });

  step('the Split menu offers "Exact amounts"');
  await expectCount(split.locator('option', { hasText: 'Exact amounts' }), 1, 'the Split menu should have an "Exact amounts" option');
  await split.selectOption({ label: 'Exact amounts' });
  await expectVisible(page.getByLabel("Alice's share"), 'choosing "Exact amounts" should show a share field for Alice');
  await expectVisible(page.getByLabel("Bob's share"), 'choosing "Exact amounts" should show a share field for Bob');

  step('shares that do not add up are rejected');
  await page.getByLabel('Description', { exact: true }).fill('Concert tickets');
  await page.getByLabel('Amount', { exact: true }).fill('90.00');
  await page.getByLabel("Alice's share").fill('30.00');
  await page.getByLabel("Bob's share").fill('50.00');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectText(page.locator('#expense-error'), 'The shares add up to $80.00 but the expense is $90.00', 'the form should say that the shares do not add up');
  await expectCount(row('Concert tickets'), 0, 'nothing should be added while the shares do not add up');

  step('correct shares are saved');
  await page.getByLabel("Bob's share").fill('60.00');
  await page.getByRole('button', { name: 'Add expense' }).click();
  await expectCount(row('Concert tickets'), 1, 'the expense should be added');
  await expectText(row('Concert tickets').locator('.expense-amount'), '$90.00', 'the expense should show the total');
  await expectText(row('Concert tickets').locator('.expense-meta'), /exact amounts \(Alice \$30\.00, Bob \$60\.00\)/, 'the expense should show who owes what');
  await expectText(balance, 'Bob owes you $86.05', 'Bob should owe his exact share, not half');

  step('Bob pays for something that is all Alice\'s');
  const bob = await openPage('bob');
  await expectText(bob.locator('#balance-text'), 'You owe Alice $86.05', 'Bob should see his share in the balance');
  await bob.getByRole('combobox', { name: 'Split', exact: true }).selectOption({ label: 'Exact amounts' });
  await bob.getByLabel('Description', { exact: true }).fill('Flowers for Alice');
  await bob.getByLabel('Amount', { exact: true }).fill('20');
  await bob.getByLabel("Alice's share").fill('20');
  await bob.getByLabel("Bob's share").fill('0');
  await bob.getByRole('button', { name: 'Add expense' }).click();
  await expectText(bob.locator('#balance-text'), 'You owe Alice $66.05', 'Alice\'s share of the flowers should reduce what Bob owes');
  await expectText(bob.locator('#expense-list .expense', { hasText: 'Flowers for Alice' }).locator('.expense-meta'), /exact amounts \(Alice \$20\.00, Bob \$0\.00\)/, 'the flowers should show the shares');
});
