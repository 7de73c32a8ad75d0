// The browser test runner: for every tests/web/*.test.mjs file (or those whose names contain
// one of the arguments), a fresh database and `sipf serve` (lib.mjs startServer), Debian's
// Chromium through playwright-core with a fresh user-data dir, then the file's flows in
// order, each on a new page. Prints one line per flow (ok / FAIL) and the screenshots saved;
// exits 1 when any flow failed. Adding a test is adding a file; see lib.mjs for its shape.
//
//   SIPF_BINARY=build/sipf node tests/web/run.mjs [self_ unit_ ...]
// Screenshots go to $SIPF_BUILD_DIR/screenshots (meson sets it), else <source>/build/screenshots.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUSINESS_DATE, makeDatabase, startServer } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sourceDir = process.env.SIPF_SOURCE_DIR || join(here, '..', '..');
const buildDir = process.env.SIPF_BUILD_DIR || join(sourceDir, 'build');
const shotDir = join(buildDir, 'screenshots');
const FLOW_TIMEOUT_MS = 60000;
const STEP_TIMEOUT_MS = 10000;
const CHROMIUM = process.env.SIPF_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync'];

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.error('playwright-core is not installed: run scripts/setup-web.sh (make setup does)');
  process.exit(1);
}

// On a signal, exit through process.exit so the servers' exit hooks (lib.mjs) stop them;
// playwright-core closes the browser itself.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
// Temp dirs (databases, user-data dirs) still to remove when the runner exits early.
const leftovers = new Set();
process.on('exit', () => { for (const d of leftovers) rmSync(d, { recursive: true, force: true }); });

const wanted = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w))).sort();
if (files.length === 0) {
  console.error(`no test files${wanted.length ? ` matching ${wanted.join(' ')}` : ''} in ${here}`);
  process.exit(1);
}
mkdirSync(shotDir, { recursive: true });

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  })]).finally(() => clearTimeout(timer));
}

const started = Date.now();
// One seeded database per business date and demo flag, copied for each file.
const templates = new Map();
function template(opts) {
  const key = `${opts.asOf || BUSINESS_DATE}/${opts.demo !== false}`;
  if (!templates.has(key)) {
    templates.set(key, makeDatabase({ asOf: opts.asOf, demo: opts.demo }));
    leftovers.add(templates.get(key).dir);
  }
  return templates.get(key).db;
}
let failed = 0;
let passed = 0;
const shots = [];

for (const file of files) {
  const mod = await import(pathToFileURL(join(here, file)).href);
  const flows = mod.flows || [];
  if (flows.length === 0) {
    console.log(`FAIL ${file}: exports no flows`);
    failed++;
    continue;
  }
  const t0 = Date.now();
  const failedBefore = failed;
  let server = null;
  let context = null;
  const userData = mkdtempSync(join(tmpdir(), 'sipf-chromium-'));
  leftovers.add(userData);
  try {
    const opts = mod.options || {};
    server = await startServer({ sourceDir, ...opts, template: template(opts) });
    leftovers.add(server.dir);
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      locale: 'zh-CN', viewport: { width: 1280, height: 900 },
    });
    for (const flow of flows) {
      const page = await context.newPage();
      // A step that waits longer than this has failed; the flow's own limit is FLOW_TIMEOUT_MS.
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const stem = `${basename(file, '.test.mjs')}-${flow.name}`.replace(/[^\p{L}\p{N}_-]+/gu, '_');
      const t = {
        page, base: server.base, server,
        async screenshot(label) {
          const p = join(shotDir, `${stem}-${label}.png`.replace(/[^\p{L}\p{N}_.-]+/gu, '_'));
          await page.screenshot({ path: p, fullPage: true });
          shots.push(p);
          return p;
        },
      };
      const f0 = Date.now();
      try {
        await withTimeout(flow.run(t), FLOW_TIMEOUT_MS, flow.name);
        if (errors.length) throw new Error(`script error on the page: ${errors.join('; ')}`);
        passed++;
        console.log(`ok   ${file} › ${flow.name} (${((Date.now() - f0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${file} › ${flow.name}: ${e.message}`);
        try {
          const p = join(shotDir, `${stem}-failure.png`);
          await page.screenshot({ path: p, fullPage: true });
          console.log(`     failure screenshot: ${p}`);
        } catch { /* the page is gone */ }
      } finally {
        await page.close().catch(() => {});
      }
    }
  } catch (e) {
    failed++;
    console.log(`FAIL ${file}: ${e.message}`);
  } finally {
    if (context) await context.close().catch(() => {});
    if (server) await server.stop();
    if (server && failed > failedBefore) process.stderr.write(`--- server log of ${file} (tail) ---\n${server.log().slice(-3000)}\n`);
    if (server) rmSync(server.dir, { recursive: true, force: true });
    rmSync(userData, { recursive: true, force: true });
  }
  console.log(`     ${file}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

for (const t of templates.values()) rmSync(t.dir, { recursive: true, force: true });
for (const p of shots) console.log(`screenshot: ${p}`);
console.log(`${passed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
