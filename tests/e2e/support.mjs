// Shared by the browser tests: start `belegt serve` on a free port, start Chromium.
// Not a test file itself (node --test runs only *.test.mjs).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOTS = path.join(ROOT, 'tests', 'e2e', 'screenshots');

/**
 * Starts `belegt serve --addr 127.0.0.1:0 ARGS` (BELEGT_BIN, default
 * target/release/belegt) with extra environment; `url` resolves once it prints
 * `listening on`, `stop()` sends SIGTERM.
 */
export function startBelegt(args = [], env = {}) {
  const bin = path.resolve(ROOT, process.env.BELEGT_BIN || 'target/release/belegt');
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line\n${stderr}`)), 120_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`belegt serve exited (${code})\n${stderr}`)); });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  // A server that fails before a test awaits its URL must not be an unhandled rejection.
  url.catch(() => {});
  return { url, stop: () => { if (child.exitCode === null) child.kill('SIGTERM'); } };
}

/** Headless Chromium (CHROMIUM, default /usr/bin/chromium) with a fresh profile. */
export async function launchBrowser(prefix) {
  mkdirSync(SHOTS, { recursive: true });
  const userDataDir = mkdtempSync(path.join(tmpdir(), prefix));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    locale: 'de-DE',
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
