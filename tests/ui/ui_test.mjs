// Drives dbtwin's web page (/ui/) in headless Chromium, as a person would: waits for a template,
// creates a clone through the form, copies its connection URL, resets it, takes a screenshot and
// destroys it through the buttons. Exits 0 when every step worked, 1 with the failed step
// otherwise, 2 when this machine lacks chromium or puppeteer-core.
//
//   NODE_PATH=/var/cache/dbtwin/node/node_modules \
//     node tests/ui/ui_test.mjs http://127.0.0.1:5001 TEMPLATE shot.png [--clone NAME] [--token T]
//
// With --token, the daemon is expected to require it: the page must ask for it first.
// puppeteer-core comes from scripts/install-ui-test-deps.sh; it is found through NODE_PATH
// (require honours it, import does not).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const USAGE = 'usage: ui_test.mjs BASE_URL TEMPLATE SCREENSHOT.png [--clone NAME] [--token TOKEN]';
const STEP_TIMEOUT_MS = 60_000;
const CREATE_TIMEOUT_MS = 120_000;
const TOTAL_TIMEOUT_MS = 300_000;

function parseArgs(argv) {
  const positional = [];
  const opts = { clone: `ui-${process.pid}`, token: '' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--clone' || argv[i] === '--token') {
      if (i + 1 >= argv.length) usage();
      opts[argv[i].slice(2)] = argv[++i];
    } else if (argv[i].startsWith('--')) {
      usage();
    } else {
      positional.push(argv[i]);
    }
  }
  if (positional.length !== 3) usage();
  [opts.base, opts.template, opts.screenshot] = positional;
  opts.base = opts.base.replace(/\/+$/, '');
  return opts;
}

function usage() {
  console.error(USAGE);
  process.exit(2);
}

function findOnPath(name) {
  for (const dir of (process.env.PATH || '').split(':')) {
    const candidate = path.join(dir || '.', name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch { /* next */ }
  }
  return null;
}

function loadPuppeteer() {
  try {
    return createRequire(import.meta.url)('puppeteer-core');
  } catch (e) {
    console.error('ui_test: puppeteer-core not found (run scripts/install-ui-test-deps.sh and set ' +
                  `NODE_PATH to its node_modules): ${e.message.split('\n')[0]}`);
    process.exit(2);
  }
}

const opts = parseArgs(process.argv.slice(2));
const chromium = process.env.CHROMIUM || findOnPath('chromium');
if (!chromium) {
  console.error('ui_test: chromium not found on PATH (Debian package `chromium`)');
  process.exit(2);
}
const puppeteer = loadPuppeteer();

let currentStep = 'starting';
function step(what) {
  currentStep = what;
  console.log(`ui_test: ${what}`);
}

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}

// The daemon's own answer, to check the page against it.
async function apiGet(route) {
  const headers = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const res = await fetch(opts.base + route, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// Decodes a PNG in a blank tab of the browser (the daemon's page forbids data: images by its
// Content-Security-Policy) and says how much of it is not background: the most common colour is
// taken as the background; text, borders and badges are everything else.
async function pngContent(browser, file) {
  const dataUrl = 'data:image/png;base64,' + fs.readFileSync(file).toString('base64');
  const blank = await browser.newPage();
  try {
    return await blank.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const counts = new Map();
      for (let i = 0; i < data.length; i += 4) {
        const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        counts.set(key, (counts.get(key) || 0) + 1);
      }
      const pixels = data.length / 4;
      let background = 0;
      for (const n of counts.values()) background = Math.max(background, n);
      return { width: img.naturalWidth, height: img.naturalHeight, colours: counts.size,
               foreground: (pixels - background) / pixels };
    }, dataUrl);
  } finally {
    await blank.close();
  }
}

const rowSel = (name) => `table#clones tr[data-clone="${name}"]`;

async function run(browser) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`ui_test: browser console: ${m.text()}`);
  });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  await page.setViewport({ width: 1280, height: 860 });
  // Lets the Clipboard API write without a user prompt, and the test read back what it wrote.
  await browser.defaultBrowserContext().overridePermissions(opts.base, [
    'clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);

  step(`loading ${opts.base}/ui/`);
  const res = await page.goto(`${opts.base}/ui/`, { waitUntil: 'domcontentloaded' });
  check(res && res.ok(), `GET /ui/ answered ${res && res.status()}`);
  check((res.headers()['content-type'] || '').startsWith('text/html'),
        `GET /ui/ has content type ${res.headers()['content-type']}`);

  if (opts.token) {
    step('entering the API token the daemon asks for');
    await page.waitForSelector('#token:not([hidden]) #token-input', { visible: true });
    await page.type('#token-input', opts.token);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#token', { hidden: true });
  }

  step(`waiting for template ${opts.template} and its snapshots`);
  await page.waitForSelector(`table#templates tr[data-template="${opts.template}"]`);
  await page.waitForSelector(`table#templates tr[data-snapshot-of="${opts.template}"]`);
  const options = await page.$$eval('#create-template option', (os) => os.map((o) => o.value));
  check(options.includes(opts.template), `the create form offers ${JSON.stringify(options)}`);

  step(`creating clone ${opts.clone} through the form`);
  await page.select('#create-template', opts.template);
  await page.type('#create-name', opts.clone);
  await page.type('#create-ttl', '30m');
  await page.click('form#create button[type=submit]');
  await page.waitForSelector(`${rowSel(opts.clone)}[data-state="running"]:not([data-busy])`,
                             { timeout: CREATE_TIMEOUT_MS });
  await page.waitForFunction(() => !document.querySelector('#create-submit').disabled);
  const message = await page.$eval('#message', (m) => ({ hidden: m.hidden, kind: m.dataset.kind,
                                                          text: m.textContent }));
  check(message.kind !== 'error', `the page shows an error: ${message.text.trim()}`);
  const cells = await page.$eval(rowSel(opts.clone), (row) => Object.fromEntries(
    Array.from(row.querySelectorAll('td[data-field]'), (td) => [td.dataset.field,
                                                                 td.textContent.trim()])));
  const api = await apiGet(`/v1/clones/${opts.clone}`);
  check(api.status === 200, `GET /v1/clones/${opts.clone} answered ${api.status}`);
  const clone = api.body;
  check(cells.name === opts.clone, `name cell "${cells.name}"`);
  check(cells.template.startsWith(opts.template), `template cell "${cells.template}"`);
  check(cells.port === String(clone.port), `port cell "${cells.port}", API port ${clone.port}`);
  check(/^in \d+m/.test(cells.expires), `expires cell "${cells.expires}" for a 30m time to live`);
  check(cells.restarts === String(clone.restarts), `restarts cell "${cells.restarts}"`);
  check(cells.used !== '', 'empty used-space cell');

  step('copying the connection URL');
  await page.click(`${rowSel(opts.clone)} button.copy`);
  await page.waitForFunction((sel) => document.querySelector(`${sel} .feedback`)
    .textContent === 'copied', {}, rowSel(opts.clone));
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check(copied === clone.url, `the clipboard holds "${copied}", the clone's URL is ${clone.url}`);

  step('resetting the clone');
  await page.click(`${rowSel(opts.clone)} button.reset`);
  const busy = await page.$eval(rowSel(opts.clone), (row) => row.dataset.busy || '');
  check(busy.startsWith('resetting'), `row not marked busy after reset (busy="${busy}")`);
  await page.waitForSelector(`${rowSel(opts.clone)}[data-state="running"]:not([data-busy])`,
                             { timeout: CREATE_TIMEOUT_MS });
  const afterReset = await page.$eval(`${rowSel(opts.clone)} .feedback`, (f) => f.textContent);
  const resetMessage = await page.$eval('#message', (m) => (m.hidden ? '' : m.textContent.trim()));
  check(afterReset === 'reset', `reset feedback "${afterReset}"; message: ${resetMessage}`);

  step(`taking a screenshot to ${opts.screenshot}`);
  // Waits for the "reset" feedback to fade, so the picture shows the steady page.
  await page.waitForFunction((sel) => document.querySelector(`${sel} .feedback`)
    .textContent === '', {}, rowSel(opts.clone));
  await page.screenshot({ path: opts.screenshot, fullPage: true });
  const shot = await pngContent(browser, opts.screenshot);
  console.log(`ui_test: screenshot ${shot.width}x${shot.height}, ${shot.colours} colours, ` +
              `${(shot.foreground * 100).toFixed(1)}% non-background`);
  check(shot.width >= 800 && shot.height >= 300, 'screenshot too small');
  check(shot.colours >= 16 && shot.foreground >= 0.02, 'the screenshot looks blank');
  const visible = await page.evaluate(() => document.body.innerText);
  for (const text of [opts.template, opts.clone, 'Templates', 'Clones', String(clone.port)]) {
    check(visible.includes(text), `"${text}" is not visible on the page`);
  }

  step('destroying the clone (accepting the confirmation)');
  let confirmText = null;
  page.once('dialog', async (dialog) => {
    confirmText = `${dialog.type()}: ${dialog.message()}`;
    await dialog.accept();
  });
  await page.click(`${rowSel(opts.clone)} button.destroy`);
  await page.waitForSelector(rowSel(opts.clone), { hidden: true, timeout: CREATE_TIMEOUT_MS });
  check(confirmText && confirmText.startsWith('confirm:') && confirmText.includes(opts.clone),
        `expected a confirm() naming the clone, got ${confirmText}`);
  const gone = await apiGet(`/v1/clones/${opts.clone}`);
  check(gone.status === 404, `after destroy GET /v1/clones/${opts.clone} answered ${gone.status}`);

  check(pageErrors.length === 0, `JavaScript errors in the page: ${pageErrors.join('; ')}`);
  return page;
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dbtwin-ui-chromium-'));
  const timer = setTimeout(() => {
    console.error(`ui_test: FAILED: timed out after ${TOTAL_TIMEOUT_MS / 1000}s at: ${currentStep}`);
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  let browser = null;
  let code = 0;
  try {
    step(`starting ${chromium}`);
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,  // puppeteer passes --headless=new
      userDataDir: profile,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run'],
    });
    await run(browser);
    console.log('ui_test: passed');
  } catch (e) {
    code = 1;
    const plain = e instanceof Failure || e.name === 'TimeoutError';
    console.error(`ui_test: FAILED at "${currentStep}": ${plain ? e.message : e.stack}`);
    try {
      const pages = browser ? await browser.pages() : [];
      const page = pages[pages.length - 1];
      if (page) {
        await page.screenshot({ path: `${opts.screenshot}.failure.png`, fullPage: true });
        console.error(`ui_test: the page at failure is in ${opts.screenshot}.failure.png`);
      }
    } catch { /* the browser may be gone */ }
  } finally {
    if (browser) await browser.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    clearTimeout(timer);
  }
  process.exit(code);
}

main();
