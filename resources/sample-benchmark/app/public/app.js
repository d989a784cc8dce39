'use strict';

// Tabby's browser client: plain DOM, no framework. The server is the source of truth; the
// client keeps a copy of what it last fetched in `state` and re-renders from it.

const POLL_INTERVAL_MS = 1500;
const USER_NAMES = { alice: 'Alice', bob: 'Bob' };
const DOT = ' \u00b7 ';

const state = {
  user: 'alice',
  expenses: [],
  balance: { debtor: null, creditor: null, amount: 0 },
  messages: [],
  lastMessageId: 0,
};

const $ = (selector) => document.querySelector(selector);

const elements = {
  userButtons: Array.from(document.querySelectorAll('.user-switcher button')),
  loadError: $('#load-error'),
  balanceText: $('#balance-text'),
  settleUp: $('#settle-up'),
  balanceError: $('#balance-error'),
  expenseForm: $('#expense-form'),
  description: $('#expense-description'),
  amount: $('#expense-amount'),
  paidBy: $('#expense-paid-by'),
  split: $('#expense-split'),
  exactShares: $('#exact-shares'),
  shareAlice: $('#share-alice'),
  shareBob: $('#share-bob'),
  date: $('#expense-date'),
  addExpense: $('#add-expense'),
  expenseError: $('#expense-error'),
  expenseList: $('#expense-list'),
  chatHeading: $('#chat-heading'),
  messages: $('#messages'),
  chatForm: $('#chat-form'),
  chatInput: $('#chat-input'),
  chatError: $('#chat-error'),
};

function escapeHtml(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function formatMoney(cents) {
  const whole = Math.floor(cents / 100);
  const rest = String(cents % 100).padStart(2, '0');
  return `$${whole.toLocaleString('en-US')}.${rest}`;
}

function formatDate(isoDate) {
  // Expense dates are calendar days ("2024-03-05"), not instants. `new Date("2024-03-05")`
  // would be midnight UTC, which is the previous evening west of UTC, so build a local date.
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(year, month - 1, day).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
  });
}

function todayIso() {
  const now = new Date();
  const month = String(now.getMonth() + 1).padStart(2, '0');
  const day = String(now.getDate()).padStart(2, '0');
  return `${now.getFullYear()}-${month}-${day}`;
}

function otherUser(userId) {
  return userId === 'alice' ? 'bob' : 'alice';
}

async function api(method, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error('Could not reach the server. Check your connection and try again.');
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error((data && data.error) || `Request failed (${response.status})`);
  return data;
}

function showError(element, message) {
  element.textContent = message;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderUserSwitcher() {
  for (const button of elements.userButtons) {
    button.setAttribute('aria-pressed', String(button.dataset.user === state.user));
  }
}

function renderBalance() {
  const { debtor, creditor, amount } = state.balance;
  let text;
  if (amount === 0) {
    text = 'You are all settled up';
  } else if (debtor === state.user) {
    text = `You owe ${USER_NAMES[creditor]} ${formatMoney(amount)}`;
  } else {
    text = `${USER_NAMES[debtor]} owes you ${formatMoney(amount)}`;
  }
  elements.balanceText.textContent = text;
  elements.settleUp.hidden = amount === 0;
}

function describeSplit(expense) {
  if (expense.split === 'full') return `${USER_NAMES[otherUser(expense.paidBy)]} owes all of it`;
  if (expense.split === 'exact') {
    const parts = Object.keys(USER_NAMES).map((id) => `${USER_NAMES[id]} ${formatMoney(expense.shares[id])}`);
    return `exact amounts (${parts.join(', ')})`;
  }
  return 'split equally';
}

function renderExpenses() {
  const list = elements.expenseList;
  list.textContent = '';
  if (state.expenses.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'empty';
    empty.textContent = 'No expenses yet';
    list.append(empty);
    return;
  }
  for (const expense of state.expenses) {
    const item = document.createElement('li');
    item.className = `expense ${expense.kind}`;
    item.dataset.id = String(expense.id);
    const payer = USER_NAMES[expense.paidBy];
    const title = expense.kind === 'payment'
      ? `${payer} paid ${USER_NAMES[otherUser(expense.paidBy)]}`
      : expense.description;
    const meta = expense.kind === 'payment'
      ? `settle up${DOT}${formatDate(expense.date)}`
      : `${payer} paid${DOT}${describeSplit(expense)}${DOT}${formatDate(expense.date)}`;
    item.innerHTML = `
      <div class="expense-main">
        <span class="expense-description">${escapeHtml(title)}</span>
        <span class="expense-amount">${formatMoney(expense.amount)}</span>
      </div>
      <div class="expense-meta">${escapeHtml(meta)}</div>
      <button type="button" class="delete-expense" aria-label="Delete ${escapeHtml(title)}">Delete</button>`;
    list.append(item);
  }
}

function renderMessages() {
  elements.chatHeading.textContent = `Chat with ${USER_NAMES[otherUser(state.user)]}`;
  const list = elements.messages;
  list.textContent = '';
  for (const message of state.messages) {
    const mine = message.from === state.user;
    const item = document.createElement('li');
    item.className = `message ${mine ? 'mine' : 'theirs'}`;
    item.dataset.id = String(message.id);
    item.innerHTML = `
      <span class="author">${mine ? 'You' : USER_NAMES[message.from]}</span>
      <p class="text">${escapeHtml(message.text)}</p>`;
    list.append(item);
  }
  list.scrollTop = list.scrollHeight;
}

function renderAll() {
  renderUserSwitcher();
  renderBalance();
  renderExpenses();
  renderMessages();
}

// ---------------------------------------------------------------------------------------------
// Data

async function refreshExpensesAndBalance() {
  const [expenses, balance] = await Promise.all([api('GET', '/api/expenses'), api('GET', '/api/balance')]);
  state.expenses = expenses;
  state.balance = balance;
  renderExpenses();
  renderBalance();
}

function addMessages(messages, { fromPoll }) {
  let changed = false;
  for (const message of messages) {
    if (!state.messages.some((known) => known.id === message.id)) {
      state.messages.push(message);
      changed = true;
    }
    // Only the poll moves the cursor: a message we just sent can have a higher id than one
    // the other person sent a moment earlier that we have not fetched yet.
    if (fromPoll) state.lastMessageId = Math.max(state.lastMessageId, message.id);
  }
  if (changed) {
    state.messages.sort((a, b) => a.id - b.id);
    renderMessages();
  }
}

let polling = false;
async function pollMessages() {
  if (polling) return;
  polling = true;
  try {
    addMessages(await api('GET', `/api/messages?after=${state.lastMessageId}`), { fromPoll: true });
  } catch {
    // Offline for a moment: the next tick tries again.
  } finally {
    polling = false;
  }
}

// ---------------------------------------------------------------------------------------------
// User actions

function switchUser(userId) {
  state.user = userId;
  localStorage.setItem('tabby.user', userId);
  const url = new URL(window.location.href);
  url.searchParams.set('user', userId);
  window.history.replaceState(null, '', url);
  elements.paidBy.value = userId;
  renderUserSwitcher();
  renderBalance();
  renderMessages();
}

function readExpenseForm() {
  const form = {
    description: elements.description.value,
    amount: elements.amount.value,
    paidBy: elements.paidBy.value,
    split: elements.split.value,
    date: elements.date.value || todayIso(),
  };
  if (form.split === 'exact') {
    form.shares = { alice: elements.shareAlice.value, bob: elements.shareBob.value };
  }
  return form;
}

function resetExpenseForm() {
  elements.description.value = '';
  elements.amount.value = '';
  elements.shareAlice.value = '';
  elements.shareBob.value = '';
  elements.split.value = 'equal';
  elements.exactShares.hidden = true;
  elements.paidBy.value = state.user;
  elements.date.value = todayIso();
}

let savingExpense = false;
elements.expenseForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (savingExpense) return;
  savingExpense = true;
  elements.addExpense.disabled = true;
  showError(elements.expenseError, '');
  try {
    await api('POST', '/api/expenses', readExpenseForm());
    resetExpenseForm();
    await refreshExpensesAndBalance();
    elements.description.focus();
  } catch (error) {
    showError(elements.expenseError, error.message);
  } finally {
    savingExpense = false;
    elements.addExpense.disabled = false;
  }
});

elements.expenseList.addEventListener('click', async (event) => {
  const button = event.target.closest('.delete-expense');
  if (!button) return;
  const id = button.closest('.expense').dataset.id;
  button.disabled = true;
  showError(elements.expenseError, '');
  try {
    await api('DELETE', `/api/expenses/${id}`);
    await refreshExpensesAndBalance();
  } catch (error) {
    button.disabled = false;
    showError(elements.expenseError, error.message);
  }
});

elements.settleUp.addEventListener('click', async () => {
  elements.settleUp.disabled = true;
  showError(elements.balanceError, '');
  try {
    await api('POST', '/api/settle', { date: todayIso() });
    await refreshExpensesAndBalance();
  } catch (error) {
    showError(elements.balanceError, error.message);
  } finally {
    elements.settleUp.disabled = false;
  }
});

elements.chatInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    elements.chatForm.requestSubmit();
  }
});

elements.chatForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = elements.chatInput.value.trim();
  if (!text) return;
  showError(elements.chatError, '');
  try {
    const message = await api('POST', '/api/messages', { from: state.user, text });
    elements.chatInput.value = '';
    addMessages([message], { fromPoll: false });
  } catch (error) {
    showError(elements.chatError, error.message);
  }
  elements.chatInput.focus();
});

for (const button of elements.userButtons) {
  button.addEventListener('click', () => switchUser(button.dataset.user));
}

elements.split.addEventListener('change', () => {
  elements.exactShares.hidden = elements.split.value !== 'exact';
});

// ---------------------------------------------------------------------------------------------
// Start

function initialUser() {
  const fromUrl = new URL(window.location.href).searchParams.get('user');
  if (fromUrl && USER_NAMES[fromUrl]) return fromUrl;
  const saved = localStorage.getItem('tabby.user');
  return saved && USER_NAMES[saved] ? saved : 'alice';
}

async function start() {
  state.user = initialUser();
  elements.paidBy.value = state.user;
  elements.date.value = todayIso();
  renderUserSwitcher();
  try {
    const [expenses, balance, messages] = await Promise.all([
      api('GET', '/api/expenses'),
      api('GET', '/api/balance'),
      api('GET', '/api/messages'),
    ]);
    state.expenses = expenses;
    state.balance = balance;
    addMessages(messages, { fromPoll: true });
    renderAll();
    document.body.dataset.ready = 'true';
  } catch (error) {
    elements.loadError.textContent = `Tabby could not load your data: ${error.message}`;
    elements.loadError.hidden = false;
  }
  window.setInterval(pollMessages, POLL_INTERVAL_MS);
}

start();
