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

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
}

// Screenshots are CI artifacts under target/e2e/.
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../../target/e2e');

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Fails the test on any uncaught page error or console error, so a broken wasm build shows up.
export function failOnPageErrors(page, errors) {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
}
