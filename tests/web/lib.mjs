// The shared functions of the browser tests (tests/web/*.test.mjs) and their runner (run.mjs).
//
// A test file exports `flows`, an array of { name, run }, run(t) being an async function of
// the flow's context t:
//   t.page        a fresh Playwright page (its own sessionStorage) in a browser with a fresh
//                 user-data dir; flows of one file share the browser and the database and
//                 run in order, so a later flow may rely on what an earlier one did.
//   t.base        the server's base URL, e.g. "http://127.0.0.1:41234".
//   t.server      { base, port, db, asOf, binary, dir }: the server of this file.
//   t.screenshot(label)  saves a full-page PNG under <build>/screenshots/ and lists it in
//                 the runner's output; returns the path.
// A file may also export `options = { asOf: 'YYYY-MM-DD' }` to change the business date.
// Every file gets its own fresh database (a copy of one migrated and seeded for its business
// date) and its own server.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The business date of every test server unless a file says otherwise: fixed, so amounts,
// months and deadlines shown are the same on every run.
export const BUSINESS_DATE = '2026-11-20';

// Demo sign-ins of `sipf seed-demo` (see `sipf seed-demo --list`).
export const DEMO = {
  person: { name: '张伟', idNumber: '320594199009051019', password: 'Demo@2026' },
  person2: { name: '王芳', idNumber: '320594198208211148', password: 'Demo@2026' },
  unit: { code: '91320594MA1100077P', operator: 'hr', password: 'Unit@2026', name: '苏州工业园区星海科技有限公司' },
  staff: { admin: 'admin', clerk: 'clerk01', reviewer: 'reviewer01', finance: 'finance01', password: 'Staff@2026' },
};

export class FlowError extends Error {}

export function assert(cond, message) {
  if (!cond) throw new FlowError(message);
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected) throw new FlowError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(binary, args) {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

// A database in a new temp dir: migrated, and seeded with the demo park unless demo is false.
// Returns { dir, db }.
export function makeDatabase({ binary = process.env.SIPF_BINARY, asOf = BUSINESS_DATE, demo = true } = {}) {
  if (!binary) throw new Error('SIPF_BINARY is not set');
  const dir = mkdtempSync(join(tmpdir(), 'sipf-web-'));
  const db = join(dir, 'sipf.db');
  run(binary, ['migrate', '--db', db]);
  if (demo) run(binary, ['seed-demo', '--db', db, '--as-of', asOf]);
  return { dir, db };
}

// Starts `sipf serve` on a free port with the business date fixed, on a fresh database (a copy
// of template, a database made by makeDatabase with the same asOf and demo, when given; seeding
// takes seconds, copying none), and waits for /healthz.
export async function startServer({ binary = process.env.SIPF_BINARY, sourceDir = process.env.SIPF_SOURCE_DIR || process.cwd(),
  asOf = BUSINESS_DATE, demo = true, template = null } = {}) {
  if (!binary) throw new Error('SIPF_BINARY is not set');
  let dir;
  let db;
  if (template) {
    dir = mkdtempSync(join(tmpdir(), 'sipf-web-'));
    db = join(dir, 'sipf.db');
    copyFileSync(template, db);
  } else {
    ({ dir, db } = makeDatabase({ binary, asOf, demo }));
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = [];
  const child = spawn(binary, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--as-of', asOf,
    '--web', join(sourceDir, 'web'), '--threads', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d) => { log.push(d.toString()); if (log.length > 200) log.shift(); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  // A runner stopped by a signal or a meson timeout leaves no server behind.
  const reap = () => { if (!exited) child.kill('SIGKILL'); };
  process.on('exit', reap);
  child.on('exit', (code, sig) => { exited = { code, sig }; process.off('exit', reap); });
  const deadline = Date.now() + 20000;
  for (;;) {
    if (exited) throw new Error(`sipf serve exited (${exited.code ?? exited.sig}): ${log.join('')}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`sipf serve did not answer on ${base}: ${log.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, port, db, dir, asOf, binary,
    log: () => log.join(''),
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10000);
      await done;
      clearTimeout(t);
    },
  };
}

// The visible text of the page (what a user reads).
export async function visibleText(page) {
  return page.evaluate(() => document.body.innerText);
}

// Waits until the page shows text (a string or RegExp); fails with what the page showed.
export async function expectText(page, text, { timeout = 10000 } = {}) {
  const test = (s) => (text instanceof RegExp ? text.test(s) : s.includes(text));
  const until = Date.now() + timeout;
  let seen = '';
  for (;;) {
    seen = await visibleText(page).catch(() => '');
    if (test(seen)) return;
    if (Date.now() > until) break;
    await page.waitForTimeout(100);
  }
  throw new FlowError(`page does not show ${text}; it shows: ${seen.replace(/\s+/g, ' ').slice(0, 600)}`);
}

// Fails when the page shows text now.
export async function expectNoText(page, text) {
  const seen = await visibleText(page);
  const hit = text instanceof RegExp ? text.test(seen) : seen.includes(text);
  if (hit) throw new FlowError(`page shows ${text} and should not`);
}

// Fills the form control whose label is `label` (exact text of the <label>, without " *").
export async function fill(page, label, value) {
  await page.getByLabel(label, { exact: true }).fill(String(value));
}

// Opens url, fills the sign-in form by its labels (e.g. {'证件号码': '3205..', '密码': '..'})
// and submits with the 登录 button; waits until the 退出登录 button shows (the desks' shared
// user bar), or throws with what the page showed.
export async function signIn(page, url, fields, { submit = '登录' } = {}) {
  await page.goto(url);
  for (const [label, value] of Object.entries(fields)) await fill(page, label, value);
  await page.getByRole('button', { name: submit, exact: true }).click();
  try {
    await page.getByRole('button', { name: '退出登录' }).waitFor({ timeout: 10000 });
  } catch {
    throw new FlowError(`sign-in at ${url} failed: ${(await visibleText(page)).replace(/\s+/g, ' ').slice(0, 400)}`);
  }
}

// Opens a menu entry of the desk's catalog menu by its item name.
export async function openMenu(page, name) {
  await page.locator('.catalog-menu').getByRole('button', { name, exact: true }).click();
}

// Calls the API directly (to set up or check state beside the browser); returns the JSON.
export async function apiCall(base, method, path, { token, body } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await r.json().catch(() => null);
  return { status: r.status, data };
}

export async function apiSignIn(base, body) {
  const r = await apiCall(base, 'POST', '/api/v1/sessions', { body });
  if (r.status !== 201) throw new Error(`API sign-in failed: ${JSON.stringify(r.data)}`);
  return r.data.token;
}

// An 18-character resident ID number from its first 17 digits, with the GB 11643 check digit.
export function residentId(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((a, d, i) => a + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

// Registers a new person at the counter and gives them a sign-in (through the API, as clerk01
// and admin); returns { id, idNumber, password, name }.
export async function newPerson(base, { first17, name, password = 'Start@2026', extra = {} }) {
  const idNumber = residentId(first17);
  const clerk = await apiSignIn(base, { role: 'staff', username: DEMO.staff.clerk, password: DEMO.staff.password });
  const p = await apiCall(base, 'POST', '/api/v1/persons', { token: clerk, body: { id_number: idNumber, name, ...extra } });
  if (p.status !== 201) throw new Error(`person not created: ${JSON.stringify(p.data)}`);
  const admin = await apiSignIn(base, { role: 'staff', username: DEMO.staff.admin, password: DEMO.staff.password });
  const u = await apiCall(base, 'POST', '/api/v1/users', { token: admin, body: { role: 'person', id_number: idNumber, password } });
  if (u.status !== 201) throw new Error(`sign-in not created: ${JSON.stringify(u.data)}`);
  return { id: p.data.id, idNumber, password, name };
}
