// Launches Debian's Chromium through playwright-core (no browser is ever downloaded).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

// Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
// Even with them it probes DNS-over-HTTPS (a connection to Google's public resolver) and sends DNS
// queries; the tests only ever reach IP literals on loopback, so name resolution is switched off
// (every name fails) and so is DoH: no packet leaves the machine (checked with strace).
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-features=DnsOverHttps,AsyncDns',
];

// Words of the command line, which no page of the app may show: the core returns typed remedies
// and the app words them as its own controls (issue 16). Every page of every suite is watched.
export const CLI_WORDS = ['--allow-foreign-layers', '--username', '--password-stdin'];

// Runs in each page before its scripts: whenever the document changes, a CLI word anywhere in its
// text (closed <details> included) is reported once as a console error, which failOnPageErrors
// turns into a failure of the test.
function watchForCliWords(words) {
  const reported = new Set();
  const check = () => {
    const text = document.documentElement?.textContent ?? '';
    for (const word of words) {
      const at = text.indexOf(word);
      if (at < 0 || reported.has(word)) continue;
      reported.add(word);
      console.error(`CLI words on the page: ${word} in "…${text.slice(Math.max(0, at - 100), at + 60)}…"`);
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
}

export async function launch() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    await page.addInitScript(watchForCliWords, CLI_WORDS);
    return page;
  };
  return browser;
}

// Screenshots are CI artifacts under target/e2e/.
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../../target/e2e');

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Fails the test on any uncaught page error or console error, so a broken wasm build shows up (and
// CLI words on a page, which launch()'s pages report as console errors).
export function failOnPageErrors(page, errors) {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
}
