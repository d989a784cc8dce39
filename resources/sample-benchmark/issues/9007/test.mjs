// 9007: chat messages are text; HTML in a message must be shown as typed, never run.
import { expectCount, expectEqual, expectRawText, runTest } from '../../utils/harness.mjs';

const PAYLOAD = 'Look <b>here</b> <img src="/nope.png" onerror="document.body.dataset.injected = \'yes\'">';

await runTest('Chat - HTML in a message is shown as text and not executed', async ({ openPage, step }) => {
  const alice = await openPage('alice');
  const aliceMessages = alice.locator('#messages .message');
  const before = await aliceMessages.count();

  step('Alice sends a message that contains HTML');
  await alice.getByRole('textbox', { name: 'Message' }).fill(PAYLOAD);
  await alice.getByRole('button', { name: 'Send' }).click();
  await expectCount(aliceMessages, before + 1, 'the message should be sent');
  await expectRawText(aliceMessages.last().locator('.text'), PAYLOAD, 'the message should be shown exactly as typed');
  await expectCount(alice.locator('#messages img, #messages b'), 0, 'no HTML element from the message should be rendered');
  await alice.waitForTimeout(500);
  expectEqual(await alice.evaluate(() => document.body.dataset.injected ?? 'no'), 'no', 'no script from the message should run for Alice');

  step('Bob opens the chat');
  const bob = await openPage('bob');
  const bobMessages = bob.locator('#messages .message');
  await expectCount(bobMessages, before + 1, 'Bob should see the message');
  await expectRawText(bobMessages.last().locator('.text'), PAYLOAD, 'Bob should see the message exactly as typed');
  await expectCount(bob.locator('#messages img, #messages b'), 0, 'no HTML element from the message should be rendered for Bob');
  await bob.waitForTimeout(500);
  expectEqual(await bob.evaluate(() => document.body.dataset.injected ?? 'no'), 'no', 'no script from the message should run for Bob');

  step('ordinary text with < and & is unchanged');
  await bob.getByRole('textbox', { name: 'Message' }).fill('3 < 5 & "quotes" stay');
  await bob.getByRole('button', { name: 'Send' }).click();
  await expectRawText(bobMessages.last().locator('.text'), '3 < 5 & "quotes" stay', 'special characters should be shown as typed');
  await expectRawText(aliceMessages.last().locator('.text'), '3 < 5 & "quotes" stay', 'Alice should get the reply through polling', { timeout: 5000 });
});
