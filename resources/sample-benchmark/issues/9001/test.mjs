// 9001: pressing Enter in the chat composer must send the message; Shift+Enter adds a new line.
import { expectCount, expectRawText, expectText, expectValue, runTest } from '../../utils/harness.mjs';

await runTest('Chat - Enter sends the message, Shift+Enter inserts a new line', async ({ openPage, step }) => {
  const page = await openPage('alice');
  const messages = page.locator('#messages .message');
  const composer = page.getByRole('textbox', { name: 'Message' });
  const before = await messages.count();

  step('type a message and press Enter');
  await composer.click();
  await page.keyboard.type('Are we still on for Friday?');
  await page.keyboard.press('Enter');
  await expectCount(messages, before + 1, 'pressing Enter in the composer should send the message');
  await expectText(messages.last().locator('.text'), 'Are we still on for Friday?', 'the sent message should be the last one in the chat');
  await expectText(messages.last().locator('.author'), 'You', 'the sent message should be labelled as mine');
  await expectValue(composer, '', 'the composer should be empty after sending');

  step('Shift+Enter inserts a new line without sending');
  await page.keyboard.type('Shopping list:');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('milk and eggs');
  await expectValue(composer, 'Shopping list:\nmilk and eggs', 'Shift+Enter should insert a new line in the composer');
  await expectCount(messages, before + 1, 'Shift+Enter must not send the message');

  step('Enter sends the two-line message');
  await page.keyboard.press('Enter');
  await expectCount(messages, before + 2, 'pressing Enter should send the two-line message');
  await expectRawText(messages.last().locator('.text'), 'Shopping list:\nmilk and eggs', 'the message should keep its line break');
  await expectValue(composer, '', 'the composer should be empty after sending');

  step('the messages are saved on the server');
  await page.reload();
  await page.locator('body[data-ready="true"]').waitFor();
  await expectText(page.locator('#messages .message').nth(before).locator('.text'), 'Are we still on for Friday?', 'the first message should still be there after a reload');
});
