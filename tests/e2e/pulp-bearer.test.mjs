// Bearer auth in the browser, against the real Pulp in token mode (its second API process, which
// answers 401 with `WWW-Authenticate: Bearer realm=…/token/`): the core asks that realm for a
// token through the proxy, anonymously or with the login typed on the page. Without a login Pulp
// grants no push and the copy fails with nothing created; signed in on Inspect, the page inspects
// and verifies the image, and Copy — another wasm module — uses that same login without asking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pulpEnv, pulpRepositories, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { workDir } from './lib/archives.mjs';
import { fillTarget, runEnds, signIn } from './lib/upload.mjs';

let serve, browser, reg, pulp, creds, image;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  creds = `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}`;
  image = reg.fixtures.images['fixtures/plain:v1'];
  serve = await startServeWith(workDir('bearer'), { registryHosts: [reg.host], pulp });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

const source = () => `${reg.host}/${image.repository}:${image.tag}`;

async function openPage(hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/${hash}`);
  return { page, errors };
}

/** Copies the fixture into `repository` on Pulp's token-mode API through the Copy page. */
async function copyToTokenPulp(page, repository) {
  await page.getByTestId('layer-row').first().waitFor();
  await fillTarget(page, 'copy', { registry: pulp.tokenHost, repository, tag: 'v1' });
  await page.getByTestId('copy').click();
  return runEnds(page);
}

test('anonymous: Pulp grants no push token, the copy fails and creates nothing', async () => {
  const repository = `bearer-e2e/anonymous-${stamp}`;
  const { page, errors } = await openPage(`#/copy?${new URLSearchParams({ from: source() })}`);
  const end = await copyToTokenPulp(page, repository);
  assert.equal(end.ok, false, 'refused without a login');
  assert.match(end.text, /401|unauthori[sz]ed|sign in/i, end.text);
  assert.equal(await pulpRepositories(pulp, repository), 0);
  assert.deepEqual(errors, []);
});

test('signed in on Inspect: a Bearer token reads and verifies the image, and Copy uses the same login', async () => {
  // The image, put into Pulp beforehand by skopeo through the Basic-auth API.
  const seeded = `bearer-e2e/seeded-${stamp}`;
  execFileSync('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-creds', creds,
    `docker://${source()}`, `docker://${pulp.host}/${seeded}:v1`], { stdio: 'pipe' });
  const ref = `${pulp.tokenHost}/${seeded}:v1`;
  const { page, errors } = await openPage(`#/inspect?${new URLSearchParams({ ref })}`);
  // Shown whether Pulp let the anonymous token read (a public distribution) or not.
  await page.getByTestId('login').filter({ hasText: `Sign in to ${pulp.tokenHost}` }).waitFor();
  await signIn(page, pulp.tokenHost, pulp.PULP_USER, pulp.PULP_PASSWORD);
  await page.getByTestId('layer-row').first().waitFor(); // inspected again, with the login
  await page.getByTestId('verify-all').click();
  const blobs = 1 + image.layers.length;
  await page.getByTestId('verify-overall').filter({ hasText: `all ${blobs} blobs verified` }).waitFor({ timeout: 60_000 });

  // Same tab, another page of the app: the Upload/Copy module knows the login already.
  await page.evaluate((from) => { location.hash = `#/copy?${new URLSearchParams({ from })}`; }, source());
  const repository = `bearer-e2e/copied-${stamp}`;
  await page.getByTestId('layer-row').first().waitFor();
  await fillTarget(page, 'copy', { registry: pulp.tokenHost, repository, tag: 'v1' });
  await page.getByTestId('copy-target').getByTestId('login')
    .filter({ hasText: `Sign in to ${pulp.tokenHost}` })
    .getByText(`signed in as ${pulp.PULP_USER}`)
    .waitFor();
  await page.getByTestId('copy').click();
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(end.digest, image.manifest.digest);
  assert.equal(sha256(skopeoRaw(`${pulp.tokenHost}/${repository}:v1`, creds)), image.manifest.digest);
  // Chromium logs every 401 it receives, and the Bearer flow starts with one by design (the
  // challenge that names the token realm); anything else logged is a failure.
  assert.deepEqual(errors.filter((e) => !/status of 401 \(Unauthorized\)$/.test(e)), []);
});
