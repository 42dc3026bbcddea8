// Inspect by reference: the built app, served by `waybill serve`, fetches manifests and configs
// from the real distribution registry through the proxy, and shows what the fixture generator
// pushed (its summary is the independent truth).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServe } from './lib/server.mjs';
import { registryEnv, serveConfig } from './lib/registry.mjs';

let serve, browser, reg;

before(async () => {
  reg = await registryEnv();
  serve = await startServe(['--config', serveConfig(reg.host)]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

const inspectUrl = (ref, platform) => {
  const q = new URLSearchParams({ ref });
  if (platform) q.set('platform', platform);
  return `${serve.origin}/#/inspect?${q}`;
};

async function openPage(viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  failOnPageErrors(page, errors);
  return { page, errors };
}

test('the origin-story image: 7 layers, 2 FOREIGN with their urls, right totals, config and digests', async () => {
  const image = reg.fixtures.images['fixtures/origin-story:windows-amd64-1.13.0'];
  const ref = `${reg.host}/${image.repository}:${image.tag}`;
  const { page, errors } = await openPage();
  await page.goto(inspectUrl(ref));

  const rows = page.getByTestId('layer-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 7);
  for (const [i, layer] of image.layers.entries()) {
    const row = rows.nth(i);
    assert.equal(await row.getAttribute('data-digest'), layer.digest, `row ${i + 1} digest`);
    assert.match(await row.innerText(), new RegExp(`${layer.size} bytes`), `row ${i + 1} size`);
    assert.equal(await row.locator('.badge.foreign').count(), layer.foreign ? 1 : 0, `row ${i + 1} FOREIGN`);
    assert.equal(await row.locator('.badge.urls').count(), layer.urls ? 1 : 0, `row ${i + 1} URLS`);
    if (layer.urls) {
      assert.deepEqual(await row.locator('.layer-urls li').allInnerTexts(), layer.urls, `row ${i + 1} urls`);
    }
  }
  assert.equal(image.layers.filter((l) => l.foreign).length, 2, 'the fixture has 2 foreign layers');
  assert.equal(await page.locator('tr.is-foreign').count(), 2);
  const total = image.layers.reduce((a, l) => a + l.size, 0);
  const foreignTotal = image.layers.filter((l) => l.foreign).reduce((a, l) => a + l.size, 0);
  const totals = page.getByTestId('totals');
  assert.match(await totals.innerText(), /7\s+layers/);
  assert.equal(await totals.locator('li').nth(1).getAttribute('title'), `${total} bytes`);
  assert.match(await page.getByTestId('foreign-count').innerText(), /2 foreign layers/);
  assert.equal(foreignTotal > 0, true);
  await page.getByTestId('foreign-panel').getByText('Allow foreign layers').waitFor();

  // Config: the Windows platform, and each layer beside its diff_id.
  const config = page.getByTestId('config');
  assert.match(await config.innerText(), /windows\(10\.0\.14393\.1066\)\/amd64/);
  const diffRows = config.getByTestId('diffid-row');
  assert.equal(await diffRows.count(), 7);
  for (const [i, layer] of image.layers.entries()) {
    const text = await diffRows.nth(i).innerText();
    assert.ok(text.includes(layer.digest) && text.includes(layer.diffId), `diff_id row ${i + 1}: ${text}`);
  }
  // The manifest digest Waybill computed, and the registry's Docker-Content-Digest agreeing.
  assert.match(await page.getByTestId('totals').locator('..').innerText(), new RegExp(image.manifest.digest));
  assert.match(await page.getByTestId('registry-digest').innerText(), new RegExp(`same: ${image.manifest.digest}`));
  await screenshot(page, 'inspect-registry-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'inspect-registry-390');

  // A deep link reloads to the same view, and the reference went into the history.
  await page.reload();
  await rows.first().waitFor();
  assert.equal(await rows.count(), 7);
  assert.match(await page.getByTestId('history').innerText(), new RegExp(ref.replace(/[.]/g, '\\.')));
  assert.deepEqual(errors, []);
});

/** Inspect of a seeded index: the page, its platform picker and the picker's rows. */
async function openIndex(name) {
  const index = reg.fixtures.images[name];
  const ref = `${reg.host}/${index.repository}:${index.tag}`;
  const { page, errors } = await openPage();
  await page.goto(inspectUrl(ref));
  const picker = page.getByTestId('platform-picker');
  await picker.waitFor();
  return { index, ref, page, errors, picker, rows: picker.getByTestId('platform-row') };
}

test('a multi-platform index: the picker lists every platform and opens the one chosen', async () => {
  const { index, page, errors, picker, rows } = await openIndex('fixtures/multi:v1');
  assert.equal(await rows.count(), index.manifests.length);
  for (const [i, m] of index.manifests.entries()) {
    const text = await rows.nth(i).innerText();
    for (const part of [m.platform.os, m.platform.architecture, m.platform.variant, m.platform['os.version']]) {
      if (part) assert.ok(text.includes(part), `row ${i + 1} shows ${part}: ${text}`);
    }
  }
  assert.equal(await page.getByTestId('layer-row').count(), 0, 'no layers before a platform is picked');

  const arm = index.manifests.find((m) => m.platform.architecture === 'arm64');
  await picker.getByRole('link', { name: 'Inspect linux/arm64/v8' }).click();
  await page.getByTestId('layer-row').first().waitFor();
  assert.match(decodeURIComponent(page.url()), /platform=linux\/arm64\/v8/);
  assert.equal(await page.getByTestId('layer-row').first().getAttribute('data-digest'), arm.layers[0].digest);

  // The Windows entry carries its os.version through the link, and a reload keeps the view.
  const win = index.manifests.find((m) => m.platform.os === 'windows');
  const spec = `windows(${win.platform['os.version']})/amd64`;
  await picker.getByRole('link', { name: `Inspect ${spec}` }).click();
  await page.waitForFunction((d) => document.querySelector('[data-testid=layer-row]')?.dataset.digest === d, win.layers[0].digest);
  await page.reload();
  await page.getByTestId('layer-row').first().waitFor();
  assert.equal(await page.getByTestId('layer-row').first().getAttribute('data-digest'), win.layers[0].digest);
  assert.match(await page.getByTestId('config').innerText(), new RegExp(`windows\\(${win.platform['os.version'].replace(/\./g, '\\.')}\\)/amd64`));
  await screenshot(page, 'inspect-index-1280');
  assert.deepEqual(errors, []);
});

test('attestation manifests: shown as attestations of their images, never offered as a platform', async () => {
  const { index, ref, page, errors, picker, rows } = await openIndex('fixtures/attested:v1');
  assert.equal(await rows.count(), index.manifests.length + index.attestations.length);
  assert.equal(await picker.getByRole('link', { name: /^Inspect / }).count(), index.manifests.length);
  assert.equal(await picker.getByRole('link', { name: /unknown/ }).count(), 0);
  for (const a of index.attestations) {
    const row = rows.filter({ hasText: `attestation of ${a.attests.slice('sha256:'.length, 'sha256:'.length + 12)}` });
    assert.equal(await row.count(), 1, `one row for the attestation of ${a.attests}`);
    assert.equal(await row.locator('code').getAttribute('title'), a.digest);
  }
  await screenshot(page, 'inspect-attested-1280');

  // Copy offers the images' platforms only.
  await page.goto(`${serve.origin}/#/copy?${new URLSearchParams({ from: ref })}`);
  const choices = page.getByTestId('copy-platforms');
  await choices.waitFor();
  const ticks = (await choices.locator('label').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(ticks, ['All platforms', 'linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
  assert.deepEqual(errors, []);
});

/** Goes to `ref` and waits for a problem whose headline matches `headline`; returns its parts. */
async function problemFor(page, ref, headline) {
  await page.goto(inspectUrl(ref));
  await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('[data-testid=problem] h2')?.innerText ?? ''),
    headline.source);
  const problem = page.getByTestId('problem');
  return {
    headline: await problem.locator('h2').innerText(),
    text: await problem.innerText(),
    signIn: await page.getByTestId('login').count(),
  };
}

test('errors a person understands: headlines that name the real cause', async () => {
  const { page, errors } = await openPage();
  const host = reg.host.replace(/[.]/g, '\\.');

  // The repository exists, the tag does not.
  let shown = await problemFor(page, `${reg.host}/fixtures/origin-story:no-such-tag`, /has no/);
  assert.match(shown.headline, new RegExp(`${host} has no .*no-such-tag`));
  assert.match(shown.text, /exists, but not with this tag/);
  // The repository does not exist: never "the repository exists" (distribution answers both with
  // MANIFEST_UNKNOWN; the page asks the tag list).
  shown = await problemFor(page, `${reg.host}/fixtures/no-such-repository:v1`, /has no repository/);
  assert.match(shown.headline, new RegExp(`${host} has no repository fixtures/no-such-repository`));
  assert.doesNotMatch(shown.text, /exists/);

  // A host the proxy is not configured for: its setting named, and no sign-in offered.
  shown = await problemFor(page, 'registry.example.com/team/app:1', /proxy refused registry\.example\.com/);
  assert.match(shown.headline, /not a registry it is configured for/);
  assert.match(shown.text, /allowed_hosts/);
  assert.equal(shown.signIn, 0, 'no sign-in for a refused host');
  // A private address: private_hosts, not allowed_hosts.
  shown = await problemFor(page, '10.20.30.40:5000/team/app:1', /proxy refused 10\.20\.30\.40/);
  assert.match(shown.headline, /not an address it may reach/);
  assert.match(shown.text, /private-network address/);
  assert.match(shown.text, /private_hosts/);
  assert.doesNotMatch(shown.text, /\ballowed_hosts/);
  assert.equal(shown.signIn, 0, 'no sign-in for a refused host');

  // A malformed reference says what is wrong in the headline itself.
  shown = await problemFor(page, 'UPPER/Case', /not an image reference/);
  assert.match(shown.headline, /must be lowercase/);
  await screenshot(page, 'inspect-error-1280');
  assert.deepEqual(errors.filter((e) => !/status of 40[34]/.test(e)), []);
});

test('a pasted https:// or http:// prefix is trimmed', async () => {
  const image = reg.fixtures.images['fixtures/plain:v1'];
  const { page, errors } = await openPage();
  for (const prefix of ['https://', 'http://']) {
    await page.goto(inspectUrl(` ${prefix}${reg.host}/${image.repository}:${image.tag} `));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=layer-row]').length === n, image.layers.length);
  }
  assert.deepEqual(errors, []);
});

test('the landing page offers what this Waybill reaches, and how to configure a registry when none', async () => {
  const { page, errors } = await openPage();
  // Configured for the local registry only: none of the examples, but that registry to start from.
  await page.goto(`${serve.origin}/#/inspect`);
  const reachable = page.getByTestId('reachable-registries');
  await reachable.waitFor();
  assert.equal(await page.getByTestId('examples').count(), 0, 'no example this Waybill cannot reach');
  assert.deepEqual(await reachable.getByRole('button').allInnerTexts(), [reg.host]);
  await reachable.getByRole('button', { name: reg.host }).click();
  assert.equal(await page.getByLabel('Image reference').inputValue(), `${reg.host}/`);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'reference');

  // Configured for no registry at all: how to configure one.
  const dir = mkdtempSync(path.join(tmpdir(), 'waybill-e2e-reach-'));
  const none = path.join(dir, 'waybill.toml');
  writeFileSync(none, '[proxy]\ndefault_hosts = false\n');
  const bare = await startServe(['--config', none]);
  try {
    await page.goto(`${bare.origin}/#/inspect`);
    const hint = page.getByTestId('no-registries');
    await hint.waitFor();
    assert.match(await hint.innerText(), /reaches no registry yet.*allowed_hosts.*waybill\.toml/s);
    assert.equal(await page.getByTestId('examples').count(), 0);
    await screenshot(page, 'inspect-no-registries-1280');
  } finally {
    await bare.stop();
  }
  // The built-in defaults (no waybill.toml here): the examples, all on public registries it reaches.
  const defaults = await startServe([]);
  try {
    await page.goto(`${defaults.origin}/#/inspect`);
    const examples = page.getByTestId('examples');
    await examples.waitFor();
    assert.ok((await examples.getByRole('button').allInnerTexts()).includes('alpine:3.20'));
  } finally {
    await defaults.stop();
  }
  assert.deepEqual(errors, []);
});

test('keyboard only: type a reference, Enter, then Tab to Verify all and press it', async () => {
  const image = reg.fixtures.images['fixtures/plain:v1'];
  const ref = `${reg.host}/${image.repository}:${image.tag}`;
  const { page, errors } = await openPage();
  await page.goto(`${serve.origin}/#/inspect`);
  await page.getByLabel('Image reference').focus();
  await page.keyboard.type(ref);
  await page.keyboard.press('Enter');
  await page.getByTestId('layer-row').first().waitFor();
  assert.equal(await page.getByTestId('layer-row').count(), image.layers.length);
  // Tab from the reference box until "Verify all" has the focus, then press it.
  await page.getByLabel('Image reference').focus();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.dataset.testid === 'verify-all')) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'verify-all');
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=blob-result][data-ok=true]').length === n,
    image.layers.length + 1);
  assert.deepEqual(errors, []);
});

test('network down: the proxy stops answering, and the page says so', async () => {
  const own = await startServe(['--config', serveConfig(reg.host)]);
  const page = await browser.newPage();
  await page.goto(`${own.origin}/#/inspect`);
  await page.getByLabel('Image reference').waitFor();
  await own.stop();
  await page.evaluate((hash) => { location.hash = hash; },
    `#/inspect?${new URLSearchParams({ ref: `${reg.host}/fixtures/plain:v1` })}`);
  await page.waitForFunction(() => /No answer/.test(document.querySelector('[data-testid=problem]')?.innerText ?? ''));
  assert.match(await page.getByTestId('problem').innerText(), /waybill serve/);
});
