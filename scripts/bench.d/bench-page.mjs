// The page a browser benchmark measures: the built app in headless Chromium at 1280 x 800, every
// page and console error collected (and printed with the figures, which they make suspect).
import { failOnPageErrors, launch } from '../../tests/e2e/lib/browser.mjs';

// Launches Chromium and opens `url`; returns the browser, the page and its errors so far.
export async function benchPage(url) {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(url);
  return { browser, page, errors };
}
