// Browser test of the web chat against a server with an API key and a rate limit: the chat
// asks for the key when the server refuses, says so when a key is wrong, keeps the key for
// the tab, never shows it, and says "too many requests" on 429.
//
//   scripts/e2e.sh        # runs every test in tests/e2e/
//
// Environment as chat.test.mjs (BELEGT_BIN, BELEGT_INDEX_DIR, BELEGT_SEEDS, CHROMIUM).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SHOTS, launchBrowser, startBelegt } from './support.mjs';

const KEY = 'e2e-key-4b1d9f0c6a2e7d35';
const QUESTION = 'Was plant Bayern für den Mittelstand?';

describe('API key and rate limit in the web chat', () => {
  let keyed;
  let limited;
  let browser;
  let chrome;

  before(async () => {
    keyed = startBelegt([], { BELEGT_API_KEYS: KEY });
    limited = startBelegt(['--rate-limit', '6', '--rate-burst', '3']);
    chrome = await launchBrowser('belegt-e2e-access-');
    browser = chrome.browser;
  });

  after(async () => {
    await chrome?.close();
    keyed?.stop();
    limited?.stop();
  });

  it('asks for the key, rejects a wrong one, answers with the right one and keeps it for the tab', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(await keyed.url);
    const dialog = page.locator('#key-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await page.locator('#key-message').textContent(), /verlangt einen API-Schlüssel/);
    await page.screenshot({ path: path.join(SHOTS, 'desktop-api-key.png') });
    await page.locator('#key-input').fill('wrong-key-000000000000');
    await page.locator('#key-input').press('Enter');
    await page.locator('#app-error').waitFor({ state: 'visible' });
    assert.match(await page.locator('#app-error').textContent(), /gültigen API-Schlüssel/);
    assert.equal(await page.locator('#state-chips .chip').count(), 0);

    await page.locator('#frage').fill(QUESTION);
    await page.locator('#frage').press('Enter');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await page.locator('#key-message').textContent(), /abgelehnt/);
    await page.locator('#key-input').fill(KEY);
    await page.locator('#key-input').press('Enter');
    const turn = page.locator('#conversation > .turn').last();
    await turn.locator('.card').first().waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await dialog.isVisible(), false);

    // Kept for this tab: a reload loads states and documents without asking again.
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    assert.ok((await page.locator('#state-chips .chip').count()) >= 15);
    assert.equal(await dialog.isVisible(), false);
    assert.equal(await page.locator('#key-button').isVisible(), true);
    const text = await page.evaluate(() => document.body.innerText);
    assert.ok(!text.includes(KEY), 'the key is never shown');
    // Not remembered on the device unless asked to.
    assert.equal(await page.evaluate(() => localStorage.getItem('belegt.apiKey')), null);

    // Forgetting the key: the next request asks again.
    await page.locator('#key-button').click();
    await dialog.waitFor({ state: 'visible' });
    await page.locator('#key-forget').click();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('belegt.apiKey')), null);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says "too many requests" when the server answers 429', async () => {
    const page = await browser.newPage();
    await page.goto(await limited.url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    // Loading took 2 of the 3 requests of the burst (states, documents); one question fits.
    await page.locator('#frage').fill(QUESTION);
    await page.locator('#frage').press('Enter');
    const first = page.locator('#conversation > .turn').last();
    await first.locator('.card').first().waitFor({ state: 'visible', timeout: 60_000 });
    // Cards show while the answer still streams, and the chat takes no question until it
    // has finished.
    await page.waitForFunction(() => document.getElementById('ask-form').getAttribute('aria-busy') === 'false');
    await page.locator('#frage').fill('Wie fördert Sachsen die KI-Forschung?');
    await page.locator('#frage').press('Enter');
    const second = page.locator('#conversation > .turn').nth(1);
    const error = second.locator('.alert');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await error.textContent(), /Zu viele Anfragen.*HTTP 429/);
    await page.close();
  });
});
