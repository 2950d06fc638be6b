// Browser test of the state-by-state comparison in the web chat: a question across the
// states shows a table of all 16 states (finding, "keine Aussage im Bericht", "kein
// Bericht"), which filters, sorts and downloads as Markdown and CSV.
//
//   scripts/e2e.sh                         # installs what is missing, then runs this
//
// Environment as in chat.test.mjs (BELEGT_BIN, BELEGT_INDEX_DIR/BELEGT_SEEDS, CHROMIUM,
// BELEGT_E2E_URL).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = path.join(ROOT, 'tests', 'e2e', 'screenshots');
const ACROSS = 'Welche Länder setzen KI in der Polizei ein?';
const ORDINARY = 'Was plant Bayern für den Mittelstand?';

/** Starts `belegt serve --addr 127.0.0.1:0` and resolves with its URL. */
async function startServer() {
  if (process.env.BELEGT_E2E_URL) {
    return { url: process.env.BELEGT_E2E_URL.replace(/\/$/, ''), stop: async () => {} };
  }
  const bin = path.resolve(ROOT, process.env.BELEGT_BIN || 'target/release/belegt');
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 120 s\n${stderr}`)), 120_000);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`belegt serve exited (${code ?? signal}):\n${stderr}`)); });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

describe('state-by-state comparison', () => {
  let server;
  let context;
  let page;
  let userDataDir;
  let downloadDir;
  const consoleErrors = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    userDataDir = mkdtempSync(path.join(tmpdir(), 'belegt-e2e-chromium-'));
    downloadDir = mkdtempSync(path.join(tmpdir(), 'belegt-e2e-downloads-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
      locale: 'de-DE',
      acceptDownloads: true,
      downloadsPath: downloadDir,
    });
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(60_000);
    page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
    page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
    await page.goto(server.url);
  });

  after(async () => {
    if (context) await context.close();
    if (server) await server.stop();
    for (const dir of [userDataDir, downloadDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ask(question) {
    const count = await page.locator('#conversation > .turn').count();
    await page.locator('#frage').fill(question);
    await page.locator('#frage').press('Enter');
    const turn = page.locator('#conversation > .turn').nth(count);
    await turn.and(page.locator('.is-done')).waitFor({ state: 'attached' });
    return turn;
  }

  const visibleStates = (table) => table.locator('tbody tr.compare-row').evaluateAll((rows) => rows.map((r) => r.dataset.state));

  async function download(button) {
    const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
    return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
  }

  it('shows every state once, findings verbatim from their cited passages', async () => {
    const turn = await ask(ACROSS);
    const box = turn.locator('.compare-box');
    await box.waitFor();
    const table = box.locator('.compare-table');
    const states = await visibleStates(table);
    assert.equal(states.length, 16);
    assert.equal(new Set(states).size, 16, 'every state exactly once');
    const api = await (await fetch(`${server.url}/api/states`)).json();
    for (const s of api.filter((x) => !x.has_report)) {
      const row = table.locator(`tr[data-state="${s.code}"]`);
      assert.equal(await row.getAttribute('data-status'), 'no_report');
      assert.match(await row.locator('.compare-finding').textContent(), /kein Bericht/);
    }
    const findings = table.locator('tr[data-status="finding"]');
    assert.ok(await findings.count() > 0, 'the police question has findings');
    for (const row of await findings.all()) {
      const finding = (await row.locator('.compare-finding').textContent()).trim();
      const n = await row.locator('.cite-ref').getAttribute('data-n');
      const passage = await turn.locator(`.card[data-n="${n}"] .passage`).textContent();
      assert.ok(passage.includes(finding), `finding [${n}] is verbatim text of its passage`);
      await row.locator('.cite-ref').click();
      await turn.locator(`.card[data-n="${n}"].is-highlighted`).waitFor();
    }
    assert.ok(await table.locator('tr[data-status="no_statement"] .compare-none').count() > 0);
    await page.screenshot({ path: path.join(SHOTS, 'compare-table.png'), fullPage: true });
  });

  it('filters by result and text, and sorts by state and result', async () => {
    const table = page.locator('.compare-table').last();
    const box = page.locator('.compare-box').last();
    const withFinding = await table.locator('tr[data-status="finding"]').count();
    await box.locator('.compare-status-filter').selectOption('finding');
    assert.equal((await visibleStates(table)).length, withFinding);
    await box.locator('.compare-status-filter').selectOption('all');
    await box.locator('.compare-text-filter').fill('sachsen');
    const rows = await table.locator('tbody tr.compare-row').allTextContents();
    assert.ok(rows.length >= 3 && rows.every((t) => /sachsen/i.test(t)), rows.join(' | '));
    await box.locator('.compare-text-filter').fill('');

    const byState = table.locator('th .sort-button[data-sort="state"]');
    await byState.click();
    assert.equal(await table.locator('thead th').first().getAttribute('aria-sort'), 'ascending');
    assert.equal((await visibleStates(table))[0], 'BW');
    await byState.click();
    assert.equal((await visibleStates(table))[0], 'TH');
    await table.locator('th .sort-button[data-sort="status"]').click();
    const statuses = await table.locator('tbody tr.compare-row').evaluateAll((r) => r.map((x) => x.dataset.status));
    assert.deepEqual(statuses, [...statuses].sort((a, b) => ['finding', 'no_statement', 'no_report'].indexOf(a) - ['finding', 'no_statement', 'no_report'].indexOf(b)));
  });

  it('downloads the table as Markdown and as CSV', async () => {
    const box = page.locator('.compare-box').last();
    const md = await download(box.locator('.compare-export-md'));
    assert.match(md.name, /^belegt-vergleich-.*\.md$/);
    const tableLines = md.text.split('\n').filter((l) => l.startsWith('| '));
    assert.equal(tableLines.length, 17, 'header and 16 states');
    assert.match(md.text, /Mecklenburg-Vorpommern \(MV\) \| kein Bericht/);

    await box.locator('.compare-status-filter').selectOption('finding');
    const csv = await download(box.locator('.compare-export-csv'));
    assert.match(csv.name, /\.csv$/);
    assert.ok(csv.text.startsWith('\uFEFFLand,Code,Ergebnis,Aussage'), csv.text.slice(0, 60));
    const lines = csv.text.trim().split('\r\n');
    const findings = await page.locator('.compare-table').last().locator('tr[data-status="finding"]').count();
    assert.equal(lines.length, 1 + findings, 'the CSV holds the filtered rows');
    assert.ok(lines.slice(1).every((l) => l.includes(',Aussage,')), lines.join('\n'));
  });

  it('says which synonyms counted, above the table and in its Markdown', async () => {
    const turn = await ask('Welche Länder bieten Fortbildungen zu KI an?');
    const box = turn.locator('.compare-box');
    await box.waitFor();
    const note = await box.locator('.compare-note').textContent();
    assert.match(note, /Gleichbedeutend gezählt \(OpenThesaurus\): Fortbildung = [^.]*Schulung/, note);
    // A state found by the synonym alone: its finding says "Schulungen".
    const rp = box.locator('tr[data-state="RP"]');
    assert.equal(await rp.getAttribute('data-status'), 'finding');
    assert.match(await rp.locator('.compare-finding').textContent(), /Schulungen/);
    const md = await download(box.locator('.compare-export-md'));
    assert.match(md.text, /Gleichbedeutend gezählt \(OpenThesaurus\): Fortbildung = /);
  });

  it('says which English words of the reports counted for a German word', async () => {
    const turn = await ask('Welche Länder nennen Mobilität als Anwendungsfeld von KI?');
    const box = turn.locator('.compare-box');
    await box.waitFor();
    const note = await box.locator('.compare-note').textContent();
    assert.match(note, /Englisch geschrieben gezählt \(Wörterbuch\): Mobilität = mobility/, note);
    const by = box.locator('tr[data-state="BY"]');
    assert.equal(await by.getAttribute('data-status'), 'finding');
    assert.match(await by.locator('.compare-finding').textContent(), /\(Mobility\)/);
    const md = await download(box.locator('.compare-export-md'));
    assert.match(md.text, /Englisch geschrieben gezählt \(Wörterbuch\): Mobilität = mobility/);
  });

  it('shows no table for a question about one state, and logs no errors', async () => {
    const turn = await ask(ORDINARY);
    assert.equal(await turn.locator('.compare-box').count(), 0);
    assert.ok(await turn.locator('.card').count() > 0);
    assert.deepEqual(consoleErrors, []);
  });
});
