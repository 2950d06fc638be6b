// Browser test of the web chat against the real server: starts `belegt serve` on a free
// port, drives Debian's chromium through playwright-core and checks what a person sees.
//
//   scripts/e2e.sh                         # installs what is missing, then runs this
//   node --test tests/e2e/                 # needs chromium, node_modules and an index
//
// Environment: BELEGT_BIN (default target/release/belegt), BELEGT_INDEX_DIR/BELEGT_SEEDS
// as for the CLI, CHROMIUM (default /usr/bin/chromium), BELEGT_E2E_URL to test an
// already running server instead of starting one. Screenshots go to
// tests/e2e/screenshots/.

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
const POLICE = 'Welche Länder setzen KI in der Polizei ein?';
const FOLLOW_UP = 'Und Baden-Württemberg?';
const SECOND_FOLLOW_UP = 'Und Sachsen?';
const WEATHER = 'Wie wird das Wetter morgen an der Ostsee?';
const STARTUP_TIMEOUT_MS = 120_000;

/** Starts `belegt serve --addr 127.0.0.1:0` and resolves with its URL from "listening on". */
async function startServer() {
  if (process.env.BELEGT_E2E_URL) {
    return { url: process.env.BELEGT_E2E_URL.replace(/\/$/, ''), stop: async () => {} };
  }
  const bin = path.resolve(ROOT, process.env.BELEGT_BIN || 'target/release/belegt');
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`belegt serve printed no "listening on" line within ${STARTUP_TIMEOUT_MS} ms\n${stderr}`)), STARTUP_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${bin}: ${err.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`belegt serve exited (${code ?? signal}) before listening:\n${stderr}`));
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
  });
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Parses a complete text/event-stream body into [{event, data}] (data JSON-decoded). */
function parseSse(text) {
  const events = [];
  for (const block of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return events;
}

describe('web chat', () => {
  let server;
  let context;
  let page;
  let userDataDir;
  let downloadDir;
  const consoleErrors = [];
  const allowedConsole = []; // regexps for errors a step provokes on purpose
  const results = {}; // done objects by step

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    userDataDir = mkdtempSync(path.join(tmpdir(), 'belegt-e2e-chromium-'));
    downloadDir = mkdtempSync(path.join(tmpdir(), 'belegt-e2e-downloads-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 900 },
      locale: 'de-DE',
      acceptDownloads: true,
      downloadsPath: downloadDir,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(60_000);
    // Keeps a copy of each /api/ask/stream exchange, decoded by the browser (the page's
    // own reader works on the original body).
    await page.addInitScript(() => {
      window.__belegtStreams = [];
      const fetch = window.fetch.bind(window);
      window.fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (String(input).endsWith('/api/ask/stream')) {
          const record = { body: init?.body ?? null, status: res.status, contentType: res.headers.get('content-type'), text: null };
          window.__belegtStreams.push(record);
          res.clone().text().then((t) => { record.text = t; }, (e) => { record.text = `(body failed: ${e})`; });
        }
        return res;
      };
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      if (allowedConsole.some((re) => re.test(text))) return;
      consoleErrors.push(`${text} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
  });

  after(async () => {
    if (context) await context.close();
    if (server) await server.stop();
    for (const dir of [userDataDir, downloadDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const lastTurn = () => page.locator('#conversation > .turn').last();

  /** Types a question, presses Enter, and returns what was sent and what came back. */
  async function ask(question) {
    const input = page.locator('#frage');
    const before = await page.evaluate(() => window.__belegtStreams.length);
    await input.fill(question);
    await input.press('Enter');
    await page.waitForFunction((n) => window.__belegtStreams.length > n && window.__belegtStreams[n].text !== null, before);
    const stream = await page.evaluate((n) => window.__belegtStreams[n], before);
    assert.equal(stream.status, 200, `POST /api/ask/stream → ${stream.status}: ${stream.text}`);
    assert.match(stream.contentType || '', /^text\/event-stream/);
    const request = JSON.parse(stream.body);
    const events = parseSse(stream.text);
    const done = events.find((e) => e.event === 'done')?.data;
    assert.ok(done, `the stream ends with a done event; got ${events.map((e) => e.event).join(', ')}`);
    const turn = lastTurn();
    await assertHasClass(turn, 'is-done');
    return { request, events, done, turn };
  }

  async function assertHasClass(locator, cls) {
    await locator.and(page.locator(`.${cls}`)).waitFor({ state: 'attached' });
  }

  async function cardStates(turn) {
    return turn.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.state));
  }

  async function openFilters() {
    const details = page.locator('#filters');
    if (!(await details.evaluate((d) => d.open))) await page.locator('#filters > summary').click();
  }

  async function noHorizontalScroll() {
    return page.evaluate(() => {
      const doc = document.documentElement;
      return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth };
    });
  }

  it('loads the page with a chip for each of the 16 states', async () => {
    const response = await page.goto(server.url + '/');
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'] || '', /default-src 'self'/);
    await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#app-error').isHidden(), true, 'no load error shown');
    assert.equal(await page.locator('#state-chips .chip').count(), 16);
    const mv = page.locator('#state-chips .chip[data-code="MV"]');
    assert.equal(await mv.isDisabled(), true, 'Mecklenburg-Vorpommern has no report');
    assert.match(await mv.textContent(), /kein Bericht/);
    assert.ok((await page.locator('#doc-list li').count()) >= 1, 'the documents are listed');
    assert.equal(await page.locator('[style]').count(), 0, 'no inline style attributes');
  });

  it('streams the answer and shows its citation cards', async () => {
    const { request, events, done, turn } = await ask(POLICE);
    results.police = done;
    assert.deepEqual(request, { question: POLICE }, 'the first question is no follow-up');

    const kinds = events.map((e) => e.event);
    assert.equal(kinds[0], 'citations');
    assert.ok(kinds.includes('answer'), 'answer deltas are streamed');
    const streamed = events.filter((e) => e.event === 'answer').map((e) => e.data.delta).join('');
    assert.equal(streamed, done.answer, 'the deltas add up to the answer');

    assert.equal(done.abstained, false, 'the police question is answered');
    assert.ok(done.citations.length > 0);
    assert.equal(await turn.locator('.answer-text').textContent(), done.answer);
    assert.equal(await turn.locator('.card').count(), done.citations.length);
    assert.ok((await turn.locator('.cite-ref').count()) > 0, 'the answer has clickable [n] markers');
    assert.equal(await turn.locator('.abstain-box').isHidden(), true);
    // The passage is shown exactly; the question's words are marked.
    const first = turn.locator('.card').first();
    assert.equal(await first.locator('.passage').textContent(), done.citations[0].text);
    assert.ok((await turn.locator('.passage mark.hl').count()) > 0, 'question words are highlighted');
    assert.match(await first.locator('.card-head').textContent(), new RegExp(done.citations[0].state_name ?? 'länderübergreifend'));
    await page.screenshot({ path: path.join(SHOTS, 'desktop-answer.png') });
    await page.screenshot({ path: path.join(SHOTS, 'desktop-answer-full.png'), fullPage: true });
  });

  it('clicking [1] highlights card 1; the source viewer shows the cited span', async () => {
    const turn = lastTurn();
    const citation = results.police.citations[0];
    await turn.locator('.cite-ref[data-n="1"]').first().click();
    const card = turn.locator('.card[data-n="1"]');
    await assertHasClass(card, 'is-highlighted');
    assert.equal(await card.evaluate((c) => c === document.activeElement), true, 'card 1 has the focus');
    await page.waitForFunction((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return r.top < window.innerHeight && r.bottom > 0;
    }, await card.getAttribute('id'));

    await card.locator('.open-source').click();
    const dialog = page.locator('#viewer');
    await dialog.waitFor({ state: 'visible' });
    const cited = dialog.locator('mark#cited-span');
    await cited.waitFor();
    assert.equal(await cited.textContent(), citation.text, 'the highlighted span is the cited passage');
    assert.match(await page.locator('#viewer-status').textContent(), /Belegstelle/);
    const inView = await cited.evaluate((m) => {
      const box = document.getElementById('viewer-text').getBoundingClientRect();
      const r = m.getBoundingClientRect();
      return r.top < box.bottom && r.bottom > box.top;
    });
    assert.equal(inView, true, 'the viewer is scrolled to the cited span');
    await page.screenshot({ path: path.join(SHOTS, 'desktop-source.png') });

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await card.locator('.open-source').evaluate((b) => b === document.activeElement), true,
      'closing the viewer returns the focus');
  });

  it('a state chip restricts the passages to that state', async () => {
    await openFilters();
    const chip = page.locator('#state-chips .chip[data-code="BY"]');
    await chip.click();
    assert.equal(await chip.getAttribute('aria-pressed'), 'true');
    const { request, done, turn } = await ask(POLICE);
    assert.deepEqual(request.states, ['BY']);
    assert.ok(done.citations.length > 0);
    assert.deepEqual(await cardStates(turn), done.citations.map(() => 'BY'), 'all cards are Bayern');
    for (const badge of await turn.locator('.card .state-badge').allTextContents()) assert.match(badge, /Bayern/);
    await chip.click();
    assert.equal(await chip.getAttribute('aria-pressed'), 'false');
  });

  it('a follow-up question keeps the earlier topic', async () => {
    const { request, done, turn } = await ask(FOLLOW_UP);
    assert.equal(request.question, FOLLOW_UP);
    assert.equal(request.previous_question, POLICE, 'the previous question is sent');
    assert.equal(request.states, undefined, 'no chip is selected');
    assert.ok(done.citations.length > 0);
    assert.deepEqual(await cardStates(turn), done.citations.map(() => 'BW'), 'all cards are Baden-Württemberg');
    // "Und Baden-Württemberg?" alone names no topic; with the earlier question's topic it
    // is answered (from a report that speaks of the police: Berlin's and Hessen's do not,
    // and belegt abstains on them).
    assert.equal(done.abstained, false, 'the follow-up is answered from the earlier topic');
    assert.match(await turn.locator('.question-note').textContent(), /Folgefrage zu „Welche Länder setzen KI in der Polizei ein\?“/);
    // Keyboard: Enter on a focused [n] marker shows that card.
    const n = await turn.locator('.cite-ref').last().getAttribute('data-n');
    await turn.locator('.cite-ref').last().focus();
    await page.keyboard.press('Enter');
    await assertHasClass(turn.locator(`.card[data-n="${n}"]`), 'is-highlighted');

    // A follow-up of the follow-up still has the topic: the UI sends what the server
    // searched with last time (contextual_query) when it says so.
    const second = await ask(SECOND_FOLLOW_UP);
    assert.equal(second.request.previous_question, done.contextual_query ?? FOLLOW_UP);
    assert.ok(second.done.citations.length > 0);
    assert.deepEqual(await cardStates(second.turn), second.done.citations.map(() => 'SN'), 'all cards are Sachsen');
    assert.equal(second.done.abstained, false, 'the second follow-up is answered from the topic');
    await page.screenshot({ path: path.join(SHOTS, 'desktop-follow-up.png') });
  });

  it('exports an answer with its references as Markdown', async () => {
    const turn = page.locator('#conversation > .turn').first();
    await turn.locator('.export-button').click();
    const link = turn.locator('.download-link');
    await link.waitFor({ state: 'visible' });
    // The link shows before the clipboard write has finished; wait for its outcome.
    const status = turn.locator('.export-status');
    await status.filter({ hasText: /\S/ }).waitFor({ state: 'visible' });
    assert.match(await status.textContent(), /Zwischenablage/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.match(download.suggestedFilename(), /^belegt-.*\.md$/);
    const md = readFileSync(await download.path(), 'utf8');
    const police = results.police;
    assert.ok(md.includes(police.answer), 'the Markdown has the answer');
    assert.ok(md.includes('[1]'));
    assert.match(md, /## Belege/);
    const c1 = police.citations[0];
    assert.ok(md.includes(`1. [1] ${c1.state_name}`), 'the reference list names the state');
    assert.ok(md.includes(`Abschnitt „${c1.section}“`), 'the reference list names the section');
    const firstLine = c1.text.split('\n')[0];
    assert.ok(md.includes(`> ${firstLine.slice(0, 40)}`), 'the passage is quoted');
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(clip, md, 'the clipboard holds the same Markdown');
  });

  it('an unanswerable question shows the "nichts gefunden" state', async () => {
    await page.locator('#new-chat').click();
    assert.equal(await page.locator('#conversation > .turn').count(), 0);
    const { request, done, turn } = await ask(WEATHER);
    assert.equal(request.previous_question, undefined, 'a new conversation has no previous question');
    assert.equal(done.abstained, true);
    const box = turn.locator('.abstain-box');
    assert.equal(await box.isVisible(), true);
    assert.match(await box.textContent(), /Nichts gefunden/);
    assert.ok((await box.textContent()).includes(done.answer.trim()), 'the abstention text is shown');
    // It says which words of the question the documents never use.
    assert.ok(done.unknown_words.length > 0, 'the weather question names words the documents lack');
    const why = await turn.locator('.abstain-unknown').textContent();
    for (const word of done.unknown_words) assert.ok(why.includes(`„${word}“`), `the note names ${word}: ${why}`);
    assert.match(why, /in den Dokumenten nicht vor\./);
    if (done.citations.length) {
      assert.equal(await turn.locator('.cites-title').textContent(), 'Nächstliegende Passagen, kein Beleg');
      assert.equal(await turn.locator('.card .no-evidence').count(), done.citations.length);
    }
    await page.screenshot({ path: path.join(SHOTS, 'desktop-abstained.png'), fullPage: true });
  });

  it('shows HTTP errors and refuses an empty question', async () => {
    allowedConsole.push(/status of 503/);
    await page.route('**/api/ask/stream', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unavailable', message: 'Der Index wird gerade neu aufgebaut.' } }),
      }));
    try {
      await page.locator('#frage').fill('Was plant Bayern für den Mittelstand?');
      await page.locator('#frage').press('Enter');
      const alert = lastTurn().locator('.alert');
      await alert.waitFor({ state: 'visible' });
      assert.match(await alert.textContent(), /Der Index wird gerade neu aufgebaut\./);
    } finally {
      await page.unroute('**/api/ask/stream');
      allowedConsole.pop();
    }
    const turns = await page.locator('#conversation > .turn').count();
    await page.locator('#frage').fill('   ');
    await page.locator('#send').click();
    assert.equal(await page.locator('#conversation > .turn').count(), turns, 'nothing is asked');
    assert.equal(await page.locator('#frage').evaluate((t) => t.classList.contains('is-invalid')), true);
  });

  it('renders passages as text, never as markup, and shows stream errors', async () => {
    const evil = '<img src=x id="injected"><script>window.__pwned = 1</script> Polizei & <b>fett</b>';
    const citation = {
      n: 1, id: 'x:0-10', doc: 'dmk-2024-laenderberichte-ki', doc_title: 'Titel <i>kursiv</i>',
      state: 'BY', state_name: 'Bayern', section: '<u>Abschnitt</u>', text: evil, start: 0, end: 10, score: 0.1,
    };
    const filters = { states: [], docs: [], detected_from_question: false };
    const done = {
      question: 'Test', answer: `${evil} [1]`, abstained: false, mode: 'extractive', filters,
      citations: [citation], timings_ms: { embed: 1, search: 1, total: 2 },
    };
    // \r\n line ends, a keep-alive comment and a data field split over two lines.
    const sse = (events) => events.map(([name, data]) => `: keep-alive\r\nevent: ${name}\r\ndata: ${JSON.stringify(data).replace('"filters"', '\r\ndata: "filters"')}\r\n\r\n`).join('');
    const fulfil = (body) => (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body });

    await page.route('**/api/ask/stream', fulfil(sse([
      ['citations', { filters, citations: [citation], abstained: false }],
      ['answer', { delta: evil }],
      ['answer', { delta: ' [1]' }],
      ['done', done],
    ])));
    try {
      await page.locator('#frage').fill('Polizei');
      await page.locator('#frage').press('Enter');
      const turn = lastTurn();
      await assertHasClass(turn, 'is-done');
      assert.equal(await turn.locator('.passage').textContent(), evil);
      assert.equal(await turn.locator('.answer-text').textContent(), `${evil} [1]`);
      assert.equal(await turn.locator('.card-section').textContent(), 'Abschnitt: <u>Abschnitt</u>');
      assert.equal(await page.locator('#injected, .turn b, .turn u, .turn i').count(), 0, 'no markup from the server');
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.ok((await turn.locator('.passage mark.hl').count()) > 0, 'highlighting still works');
    } finally {
      await page.unroute('**/api/ask/stream');
    }

    await page.route('**/api/ask/stream', fulfil(sse([
      ['citations', { filters, citations: [citation], abstained: false }],
      ['error', { error: { code: 'internal', message: 'Something went wrong' } }],
    ])));
    try {
      await page.locator('#frage').fill('Polizei');
      await page.locator('#frage').press('Enter');
      const alert = lastTurn().locator('.alert');
      await alert.waitFor({ state: 'visible' });
      assert.match(await alert.textContent(), /Fehler: Auf dem Server ist ein Fehler aufgetreten\..*Something went wrong/);
    } finally {
      await page.unroute('**/api/ask/stream');
    }
  });

  it('fits a 360 px wide screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.locator('#new-chat').click();
    await page.screenshot({ path: path.join(SHOTS, 'mobile-start.png') });
    let size = await noHorizontalScroll();
    assert.ok(size.scrollWidth <= size.clientWidth, `start page: ${size.scrollWidth} > ${size.clientWidth}`);
    const { turn } = await ask(POLICE);
    await openFilters();
    size = await noHorizontalScroll();
    assert.ok(size.scrollWidth <= size.clientWidth, `answer: ${size.scrollWidth} > ${size.clientWidth}`);
    await page.screenshot({ path: path.join(SHOTS, 'mobile-answer.png'), fullPage: true });
    await turn.locator('.card').first().locator('.open-source').click();
    await page.locator('#cited-span').waitFor();
    const dialogFits = await page.locator('#viewer').evaluate((d) => d.getBoundingClientRect().width <= window.innerWidth);
    assert.equal(dialogFits, true, 'the source viewer fits the screen');
    await page.screenshot({ path: path.join(SHOTS, 'mobile-source.png') });
    await page.locator('#viewer-close').click();
  });

  it('logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
