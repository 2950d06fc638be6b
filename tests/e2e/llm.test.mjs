// Browser test of the web chat's "KI-Zusammenfassung": a fake OpenAI-compatible server
// (node:http, SSE chunks and data: [DONE]) stands in for the LLM; `belegt serve
// --llm-url` points at it. Checks that the switch appears only with an LLM, that the
// answer is the LLM's, and that a sentence without a citation is visibly marked.
//
//   scripts/e2e.sh        # runs every test in tests/e2e/
//
// Environment as chat.test.mjs (BELEGT_BIN, BELEGT_INDEX_DIR, BELEGT_SEEDS, CHROMIUM).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { SHOTS, launchBrowser, startBelegt } from './support.mjs';

const QUESTION = 'Welche Aufgaben hat die Taskforce KI in Berlin?';
const MADE_UP = 'Berlin baut außerdem eine Raumstation auf dem Mond.';
const ACROSS = 'Welche Länder setzen KI in der Polizei ein?';

/** A fake Chat Completions endpoint: passage 1's first words cited [1], then MADE_UP
 * uncited; asked to judge a state's sentences (a comparison), it names sentence 1. */
function startFakeLlm() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const request = JSON.parse(body);
      const prompt = request.messages[1].content;
      if (prompt.includes('<<<SATZ 1>>>')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: 'chatcmpl-fake', object: 'chat.completion', created: 1, model: 'fake',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '{"saetze": [1]}' } }],
        }));
        return;
      }
      const passage = prompt.split(/<<<PASSAGE 1 [^\n]*>>>\n/)[1].split('<<<ENDE PASSAGE 1>>>')[0];
      const start = passage.split(/\s+/).filter((w) => /\w/.test(w)).slice(0, 10).join(' ').replace(/[.:,;]+$/, '');
      const answer = `${start} [1]. ${MADE_UP}`;
      const chunk = (delta, finish) => `data: ${JSON.stringify({
        id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: 'fake',
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: '' }, null));
      for (const word of answer.split(/(?<= )/)) res.write(chunk({ content: word }, null));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('KI-Zusammenfassung', () => {
  let fake;
  let withLlm;
  let without;
  let browser;
  let chrome;

  before(async () => {
    fake = await startFakeLlm();
    withLlm = startBelegt(['--llm-url', `http://127.0.0.1:${fake.address().port}/v1`, '--llm-model', 'fake']);
    without = startBelegt([]);
    chrome = await launchBrowser('belegt-e2e-llm-');
    browser = chrome.browser;
  });

  after(async () => {
    await chrome?.close();
    withLlm?.stop();
    without?.stop();
    fake?.close();
  });

  it('shows no switch when the server has no LLM', async () => {
    const page = await browser.newPage();
    await page.goto(await without.url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#llm-toggle').isVisible(), false);
    await page.close();
  });

  it('answers with the LLM when switched on and marks the uncited sentence', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(await withLlm.url);
    await page.locator('#llm-toggle').waitFor({ state: 'visible' });
    await page.locator('#llm-mode').check();
    await page.locator('#frage').fill(QUESTION);
    await page.locator('#frage').press('Enter');
    const turn = page.locator('#conversation > .turn').last();
    await turn.locator('.llm-note').waitFor({ state: 'visible' });
    const unsupported = turn.locator('.sentence.is-unsupported');
    assert.equal(await unsupported.count(), 1);
    assert.match(await unsupported.textContent(), /Raumstation.*ohne Beleg/);
    const supported = turn.locator('.answer-text .sentence:not(.is-unsupported)');
    assert.equal(await supported.count(), 1);
    assert.equal(await supported.locator('.cite-ref').count(), 1);
    assert.match(await turn.locator('.llm-note').textContent(), /1 Satz ist nicht durch die Belege gestützt/);
    await page.screenshot({ path: path.join(SHOTS, 'desktop-llm-summary.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('lets the LLM judge the comparison and says so', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(await withLlm.url);
    await page.locator('#llm-toggle').waitFor({ state: 'visible' });
    await page.locator('#llm-mode').check();
    await page.locator('#frage').fill(ACROSS);
    await page.locator('#frage').press('Enter');
    const turn = page.locator('#conversation > .turn').last();
    const note = turn.locator('.compare-note');
    await note.waitFor({ state: 'visible' });
    assert.match(await note.textContent(), /Die Aussagen wählte das Sprachmodell „fake“/);
    // The fake names each state's first sentence: every state with a report has a finding.
    assert.match(await turn.locator('.compare-summary').textContent(), /^15 mit Aussage · 0 ohne Aussage im Bericht · 1 ohne Bericht/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
