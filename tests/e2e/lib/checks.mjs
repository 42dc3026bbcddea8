// Page-wide checks the layout suites run on every page they reach (issue 16): no horizontal
// overflow at a phone's width, a dark page under prefers-color-scheme: dark, axe-core (from npm,
// injected into the page) finding no serious or critical violation, and focus rings of 3:1 on the
// first Tab stops; screenshots of both themes for a person to look at.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { screenshot } from './browser.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The phone width the layout must fit. */
export const PHONE = 390;

/** What overflows `width`: the document's scroll width and the widest elements that stick out. */
export async function overflow(page, width = PHONE) {
  return page.evaluate((width) => {
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 0.5) {
        wide.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}.${el.className} right ${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8) };
  }, width);
}

/** Asserts that nothing makes the page scroll sideways at `PHONE` px. */
export async function assertFits(page, what) {
  const { scrollWidth, wide } = await overflow(page);
  assert.ok(scrollWidth <= PHONE, `${what}: ${scrollWidth} px wide at ${PHONE} px: ${wide.join('; ')}`);
}

/** The relative luminance (WCAG) of the page's computed background. */
export async function backgroundLuminance(page) {
  const color = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = color.match(/[\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** axe-core's serious and critical violations on the page, as lines (empty when none). */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: the app's CSP (rightly) refuses an injected <script>.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.join(', ')}`);
}

/**
 * The focus rings of the next `count` Tab stops: each must be drawn (an outline of 2 px or more)
 * in a colour of at least 3:1 against the background it sits on (WCAG 1.4.11) — the outline lies
 * outside the element, on its parent's background. Returns the failures, as lines.
 */
export async function focusRingProblems(page, count = 12) {
  const problems = [];
  for (let i = 0; i < count; i += 1) {
    await page.keyboard.press('Tab');
    const problem = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const rgb = (c) => c.match(/[\d.]+/g).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
      let bg = null;
      for (let n = el.parentElement; n && !bg; n = n.parentElement) {
        const c = rgb(getComputedStyle(n).backgroundColor);
        if (c.length < 4 || c[3] > 0) bg = c;
      }
      bg ??= [255, 255, 255];
      const style = getComputedStyle(el);
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}"`;
      if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) return `${name}: no focus ring`;
      const [a, b] = [lum(rgb(style.outlineColor)), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      return ratio < 3 ? `${name}: ring ${style.outlineColor} on ${bg} is ${ratio.toFixed(2)}:1` : null;
    });
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * Every check on the page as it is now, in both themes: axe with 0 serious/critical, focus rings,
 * the computed background light or dark as the theme says; at `PHONE` px the scroll width too. Screenshots
 * `<name>-<width>-<light|dark>`.
 */
export async function checkPage(page, name) {
  const width = page.viewportSize().width;
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const lum = await backgroundLuminance(page);
    if (colorScheme === 'dark') assert.ok(lum < 0.05, `${name}: a dark background in dark mode (luminance ${lum.toFixed(3)})`);
    else assert.ok(lum > 0.8, `${name}: a light background in light mode (luminance ${lum.toFixed(3)})`);
    if (width <= PHONE) await assertFits(page, `${name} (${colorScheme})`);
    assert.deepEqual(await axeViolations(page), [], `${name} (${colorScheme}): axe finds no serious or critical violation`);
    assert.deepEqual(await focusRingProblems(page), [], `${name} (${colorScheme}): focus rings of 3:1 or more`);
    await screenshot(page, `${name}-${width}-${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: null });
}
