'use strict';

// Tabby: shared expenses and chat for two housemates, Alice and Bob.
// Plain Node (builtins only). All data lives in memory and starts from the same seed on
// every start, so the end-to-end tests always see the same state.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const PORT = Number(process.env.PORT) || 3000;
const HOST = process.env.HOST || '127.0.0.1';
const PUBLIC_DIR = path.join(__dirname, 'public');
const MAX_BODY_BYTES = 64 * 1024;

const USERS = [
  { id: 'alice', name: 'Alice' },
  { id: 'bob', name: 'Bob' },
];
const USER_IDS = USERS.map((user) => user.id);
const SPLITS = ['equal', 'full', 'exact'];

/** A problem with what the client sent; answered with 400 and shown to the user. */
class InputError extends Error {}

function seed() {
  return {
    nextExpenseId: 5,
    nextMessageId: 5,
    expenses: [
      { id: 1, kind: 'expense', description: 'Groceries', amount: 4260, paidBy: 'alice', split: 'equal', date: '2024-03-02', deleted: false },
      { id: 2, kind: 'expense', description: 'Electricity bill', amount: 8800, paidBy: 'bob', split: 'equal', date: '2024-03-05', deleted: false },
      { id: 3, kind: 'expense', description: 'Pizza night', amount: 2750, paidBy: 'alice', split: 'equal', date: '2024-03-08', deleted: false },
      { id: 4, kind: 'expense', description: 'Concert ticket for Bob', amount: 3500, paidBy: 'alice', split: 'full', date: '2024-03-09', deleted: false },
    ],
    messages: [
      { id: 1, from: 'alice', text: 'Hey! I added the groceries from Saturday.', sentAt: '2024-03-02T18:04:00.000Z' },
      { id: 2, from: 'bob', text: 'Thanks. I paid the electricity bill, it is in there too.', sentAt: '2024-03-05T09:12:00.000Z' },
      { id: 3, from: 'alice', text: 'Perfect. Pizza on Friday again?', sentAt: '2024-03-06T20:30:00.000Z' },
      { id: 4, from: 'bob', text: 'Sure, my turn to pick the place.', sentAt: '2024-03-06T20:41:00.000Z' },
    ],
  };
}

const db = seed();

function otherUser(userId) {
  return userId === 'alice' ? 'bob' : 'alice';
}

function formatCents(cents) {
  return `$${(cents / 100).toFixed(2)}`;
}

const MONEY_PATTERN = /^(\d{1,7})(?:\.(\d{1,2}))?$/;

/** Parses "12", "12.5" or "12.50" into whole cents; rejects everything else. */
function parseCents(input, label) {
  const match = MONEY_PATTERN.exec(String(input ?? '').trim());
  if (!match) throw new InputError(`${label} must be a number like 12.50`);
  return Number(match[1]) * 100 + Number((match[2] || '').padEnd(2, '0'));
}

function parseAmount(input) {
  const cents = parseCents(input, 'Amount');
  if (cents === 0) throw new InputError('Amount must be greater than zero');
  return cents;
}

function parseUser(input, label) {
  if (!USER_IDS.includes(input)) throw new InputError(`${label} must be one of: ${USER_IDS.join(', ')}`);
  return input;
}

function parseDate(input) {
  const text = String(input ?? '');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new InputError('Date must look like 2024-03-31');
  }
  return text;
}

function parseShares(input, amount) {
  const shares = {};
  for (const user of USERS) {
    shares[user.id] = parseCents(input?.[user.id], `${user.name}'s share`);
  }
  const total = USER_IDS.reduce((sum, id) => sum + shares[id], 0);
  if (total !== amount) {
    throw new InputError(`The shares add up to ${formatCents(total)} but the expense is ${formatCents(amount)}`);
  }
  return shares;
}

/** How much the person who did not pay owes for one entry, in cents. */
function shareOwedByOther(expense) {
  if (expense.split === 'full') return expense.amount;
  if (expense.split === 'exact') return expense.shares[otherUser(expense.paidBy)];
  // The payer covers the odd cent, so every share stays a whole number of cents.
  return Math.floor(expense.amount / 2);
}

function activeExpenses() {
  return db.expenses.filter((expense) => !expense.deleted);
}

function listExpenses() {
  return activeExpenses().sort((a, b) => b.date.localeCompare(a.date) || b.id - a.id);
}

/** The balance between the two users: who owes whom, and how much. */
function computeBalance() {
  let bobOwesAlice = 0;
  for (const expense of activeExpenses()) {
    const owed = shareOwedByOther(expense);
    bobOwesAlice += expense.paidBy === 'alice' ? owed : -owed;
  }
  if (bobOwesAlice === 0) return { debtor: null, creditor: null, amount: 0 };
  return bobOwesAlice > 0
    ? { debtor: 'bob', creditor: 'alice', amount: bobOwesAlice }
    : { debtor: 'alice', creditor: 'bob', amount: -bobOwesAlice };
}

function createExpense(body) {
  const description = String(body.description ?? '').trim();
  if (!description) throw new InputError('Description is required');
  if (description.length > 80) throw new InputError('Description must be at most 80 characters');
  const amount = parseAmount(body.amount);
  const paidBy = parseUser(body.paidBy, 'Paid by');
  const split = body.split ?? 'equal';
  if (!SPLITS.includes(split)) throw new InputError(`Split must be one of: ${SPLITS.join(', ')}`);
  const expense = {
    id: db.nextExpenseId++,
    kind: 'expense',
    description,
    amount,
    paidBy,
    split,
    date: parseDate(body.date),
    deleted: false,
  };
  if (split === 'exact') expense.shares = parseShares(body.shares, amount);
  db.expenses.push(expense);
  return expense;
}

function deleteExpense(id) {
  const expense = db.expenses.find((candidate) => candidate.id === id && !candidate.deleted);
  if (!expense) return null;
  expense.deleted = true;
  return expense;
}

/**
 * Records a payment that clears the balance. The debtor pays and the other person owes that
 * payment in full, so computeBalance needs no special case for payments.
 */
function settleUp(body) {
  const balance = computeBalance();
  if (balance.amount === 0) throw new InputError('You are already settled up');
  const payment = {
    id: db.nextExpenseId++,
    kind: 'payment',
    description: 'Settle up',
    amount: balance.amount,
    paidBy: balance.debtor,
    split: 'full',
    date: parseDate(body.date),
    deleted: false,
  };
  db.expenses.push(payment);
  return payment;
}

function createMessage(body) {
  const from = parseUser(body.from, 'From');
  const text = String(body.text ?? '').trim();
  if (!text) throw new InputError('Message is empty');
  if (text.length > 2000) throw new InputError('Message must be at most 2000 characters');
  const message = { id: db.nextMessageId++, from, text, sentAt: new Date().toISOString() };
  db.messages.push(message);
  return message;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new InputError('Request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      let value;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        reject(new InputError('Request body must be JSON'));
        return;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        reject(new InputError('Request body must be a JSON object'));
        return;
      }
      resolve(value);
    });
    req.on('error', reject);
  });
}

function sendJson(res, status, value) {
  if (res.headersSent) return;
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function serveStatic(pathname, res) {
  let relative;
  try {
    relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  } catch {
    throw new InputError('Bad path');
  }
  const file = path.resolve(PUBLIC_DIR, relative);
  if (!file.startsWith(PUBLIC_DIR + path.sep)) {
    sendJson(res, 404, { error: 'Not found' });
    return;
  }
  fs.readFile(file, (error, data) => {
    if (error) {
      sendJson(res, 404, { error: 'Not found' });
      return;
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': data.length,
      'Cache-Control': 'no-store',
    });
    res.end(data);
  });
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const { pathname } = url;
  const method = req.method;

  if (pathname === '/api/health') return sendJson(res, 200, { ok: true });
  if (pathname === '/api/users' && method === 'GET') return sendJson(res, 200, USERS);
  if (pathname === '/api/expenses' && method === 'GET') return sendJson(res, 200, listExpenses());
  if (pathname === '/api/expenses' && method === 'POST') {
    return sendJson(res, 201, createExpense(await readJson(req)));
  }
  const expenseMatch = /^\/api\/expenses\/(\d+)$/.exec(pathname);
  if (expenseMatch && method === 'DELETE') {
    const deleted = deleteExpense(Number(expenseMatch[1]));
    return deleted ? sendJson(res, 200, deleted) : sendJson(res, 404, { error: 'No such expense' });
  }
  if (pathname === '/api/balance' && method === 'GET') return sendJson(res, 200, computeBalance());
  if (pathname === '/api/settle' && method === 'POST') {
    return sendJson(res, 201, settleUp(await readJson(req)));
  }
  if (pathname === '/api/messages' && method === 'GET') {
    const after = Number(url.searchParams.get('after')) || 0;
    return sendJson(res, 200, db.messages.filter((message) => message.id > after));
  }
  if (pathname === '/api/messages' && method === 'POST') {
    return sendJson(res, 201, createMessage(await readJson(req)));
  }
  if (pathname.startsWith('/api/')) return sendJson(res, 404, { error: 'Not found' });
  if (method === 'GET' || method === 'HEAD') return serveStatic(pathname, res);
  return sendJson(res, 405, { error: 'Method not allowed' });
}

const server = http.createServer(async (req, res) => {
  try {
    await handle(req, res);
  } catch (error) {
    if (error instanceof InputError) {
      sendJson(res, 400, { error: error.message });
      return;
    }
    console.error(error);
    sendJson(res, 500, { error: 'Something went wrong on our side' });
  }
});

server.listen(PORT, HOST, () => {
  console.log(`Tabby is listening on http://${HOST}:${PORT}`);
});
