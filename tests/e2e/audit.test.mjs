// Issue 15's test 4 in the browser: the real problem, reproduced with Pulp's own sync. Through
// Pulp's REST API a remote on the fixture registry's Windows-like repository (two foreign layers)
// is synced: Pulp keeps the manifest and drops the two foreign blobs. The Audit page names exactly
// that manifest, its two missing blobs and the tag; its link opens Copy with the tag filled in and
// foreign layers allowed; after that copy the audit is clean and every blob reads back from Pulp.
// Repository names are unique per run, and the page audits only them (other suites' repositories
// are left alone). Screenshots at 1280 and 390 px, light and dark, with axe (lib/checks.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pullBackAndCheck, pulpEnv, startServeWith } from './lib/pulp.mjs';
import { workDir } from './lib/archives.mjs';
import { runEnds, signIn } from './lib/upload.mjs';
import { checkPage } from './lib/checks.mjs';

const TAG = 'windows-amd64-1.13.0';
let serve, browser, reg, pulp;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  serve = await startServeWith(workDir('audit'), { registryHosts: [reg.host], pulp });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

/** POST on Pulp's REST API (JSON in, JSON out), independently of Waybill. */
async function pulpPost(path, body) {
  const url = path.startsWith('http') ? path : `${pulp.PULP_URL}${path}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { Authorization: pulp.auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** Waits for the task a POST started, failing on its error. */
async function finished({ task }) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const res = await fetch(`${pulp.PULP_URL}${task}`, { headers: { Authorization: pulp.auth } });
    const state = await res.json();
    if (state.state === 'completed') return state;
    if (state.state === 'failed' || state.state === 'canceled') throw new Error(`Pulp task ${task}: ${JSON.stringify(state.error)}`);
    if (Date.now() > deadline) throw new Error(`Pulp task ${task} still ${state.state}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What Pulp's own sync makes of the fixture's Windows-like tag: repository `name` served at `name`. */
async function syncedByPulp(name) {
  const remote = await pulpPost('/pulp/api/v3/remotes/container/container/', {
    name, url: reg.REGISTRY_FOREIGN_URL, upstream_name: 'fixtures/origin-story', include_tags: [TAG],
  });
  const repository = await pulpPost('/pulp/api/v3/repositories/container/container/', { name });
  await finished(await pulpPost(`${repository.pulp_href}sync/`, { remote: remote.pulp_href }));
  await finished(await pulpPost('/pulp/api/v3/distributions/container/container/', {
    name, base_path: name, repository: repository.pulp_href,
  }));
}

/** The report's figures, once it is shown. */
async function figures(page) {
  await page.getByTestId('audit-summary').waitFor({ timeout: 120_000 });
  const figure = async (id) => (await page.getByTestId(id).locator('strong').innerText()).trim();
  return {
    repositories: await figure('audit-repositories'),
    affected: await figure('audit-affected'),
    tags: await figure('audit-tags'),
    blobs: await figure('audit-blobs'),
  };
}

test("Pulp's sync drops the foreign blobs: the audit names them, its copy link makes the tag whole", async () => {
  const image = reg.fixtures.images[`fixtures/origin-story:${TAG}`];
  const foreign = image.layers.filter((l) => l.foreign);
  assert.equal(foreign.length, 2, 'the fixture has two foreign layers');
  const name = `audit-e2e-${stamp}`;
  await syncedByPulp(name);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/#/audit?${new URLSearchParams({ pulp: pulp.PULP_URL })}`);
  await page.getByTestId('audit-form').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('nav [aria-current=page]').innerText(), 'Audit');

  // Anonymous first: Pulp's REST API wants a login, and the page opens the form for it.
  await page.fill('#audit-only', name);
  await page.getByTestId('run-audit').click();
  await page.getByTestId('problem').filter({ hasText: 'wants you to sign in' }).waitFor({ timeout: 60_000 });
  await signIn(page, pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);

  // Signing in runs the audit again.
  assert.deepEqual(await figures(page), { repositories: '1', affected: '1', tags: '1', blobs: '2' });
  const repository = page.locator(`[data-testid=audit-repository][data-name="${name}"]`);
  const manifests = repository.getByTestId('audit-manifest');
  assert.equal(await manifests.count(), 1, 'exactly one manifest');
  assert.equal(await manifests.getByTestId('audit-manifest-digest').innerText(), image.manifest.digest);
  assert.deepEqual(await manifests.getByTestId('audit-tag').evaluateAll((li) => li.map((l) => l.dataset.tag)), [TAG]);
  const missing = await manifests.getByTestId('audit-missing').evaluateAll((rows) => rows.map((r) => r.dataset.digest));
  assert.deepEqual(missing.sort(), foreign.map((l) => l.digest).sort(), 'exactly the two foreign blobs');
  const hosts = new Set(foreign.flatMap((l) => l.urls.map((u) => new URL(u).host)));
  for (const host of hosts) assert.ok((await manifests.innerText()).includes(host), `the urls host ${host} is shown`);

  // The upstream, typed once, fills in the copy link's source.
  await page.fill('#audit-upstream', `${reg.host}/fixtures/origin-story`);
  const link = manifests.getByTestId('audit-copy');
  const target = `${pulp.host}/${name}:${TAG}`;
  const query = new URLSearchParams((await link.getAttribute('href')).split('?')[1]);
  assert.deepEqual(Object.fromEntries(query), { from: `${reg.host}/fixtures/origin-story:${TAG}`, to: target, allow_foreign: '1' });
  await checkPage(page, 'audit');
  await page.setViewportSize({ width: 390, height: 844 });
  await checkPage(page, 'audit');
  await page.setViewportSize({ width: 1280, height: 900 });

  // The suggested copy: Copy opens with the source, the destination and foreign layers allowed.
  await link.click();
  await page.getByTestId('layer-row').first().waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('#copy-target-repository').inputValue(), name);
  assert.equal(await page.locator('#copy-target-tag').inputValue(), TAG);
  assert.ok(await page.getByLabel(/^Allow foreign layers/).isChecked(), 'foreign layers allowed by the link');
  await page.getByTestId('copy').click();
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(end.digest, image.manifest.digest, 'the very manifest Pulp synced');
  const creds = `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}`;
  await pullBackAndCheck({ base: pulp.PULP_URL, auth: pulp.auth, repository: name, reference: TAG, creds });

  // And the audit is clean.
  await page.goto(`${serve.origin}/#/audit?${new URLSearchParams({ pulp: pulp.host })}`);
  await page.getByTestId('audit-form').waitFor({ timeout: 60_000 });
  await page.fill('#audit-only', name);
  await page.getByTestId('run-audit').click();
  assert.deepEqual(await figures(page), { repositories: '1', affected: '0', tags: '0', blobs: '0' });
  assert.equal(await page.getByTestId('audit-state').innerText(), 'clean');
  // Chromium logs the answers the audit expects: Pulp's 401 to the anonymous run, and the 404s of
  // the missing blobs it asks for. Anything else fails.
  assert.deepEqual(errors.filter((e) => !/status of (401 \(Unauthorized\)|404 \(Not Found\))$/.test(e)), []);
});

test('the audit says which repository it reads, and Cancel stops it with nothing shown', async () => {
  const name = `audit-e2e-${stamp}`;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${serve.origin}/#/audit?${new URLSearchParams({ pulp: pulp.host })}`);
  await page.getByTestId('audit-form').waitFor({ timeout: 60_000 });
  await signIn(page, pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);
  await page.fill('#audit-only', name);
  // The repository's first registry read is held in the browser, so that the audit is caught
  // while it reads that repository.
  let held;
  const reached = new Promise((resolve) => {
    page.route('**/v2/**', (route) => {
      held = route;
      resolve();
    });
  });
  await page.getByTestId('run-audit').click();
  await reached;
  assert.equal(await page.getByTestId('audit-running').innerText(),
    `Reading repository 1 of 1: ${name} — its tags and foreign layers…`);
  const stopped = page.waitForEvent('requestfailed', (r) => r.url().includes('/v2/'));
  await page.getByTestId('audit-cancel').click();
  await page.getByTestId('audit-cancelled').waitFor();
  await stopped;
  await held.continue().catch(() => {});
  assert.equal(await page.getByTestId('audit-summary').count(), 0, 'no report for a cancelled audit');
  assert.equal(await page.getByTestId('audit-running').count(), 0);
  await page.close();
});
