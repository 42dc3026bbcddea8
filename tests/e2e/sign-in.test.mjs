// A 401 on push or copy (issue 16): Pulp refuses an anonymous push, and the page opens the sign-in
// form for that registry — on the target form, focused, with the registry's own message — instead
// of CLI words. Signed in, the same push (and copy) goes through. Pulp's message is read here
// straight from Pulp, not from Waybill.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pulpEnv, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { dockerArchive, workDir } from './lib/archives.mjs';
import { fillTarget, pickFile, runEnds, signIn } from './lib/upload.mjs';

let serve, browser, reg, pulp, dir, creds;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  creds = `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}`;
  dir = workDir('sign-in');
  serve = await startServeWith(dir, { registryHosts: [reg.host], pulp });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

/** What Pulp itself answers an anonymous upload start: the message the page must show. */
async function pulpRefusal(repository) {
  const res = await fetch(`${pulp.PULP_URL}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  assert.equal(res.status, 401);
  return (await res.json()).errors[0].message;
}

async function openPage(hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/${hash}`);
  return { page, errors };
}

/** The failure names the registry, and its sign-in form in `scope` is open with Pulp's words. */
async function expectSignInOpened(page, scope, said, verb) {
  const end = await runEnds(page);
  assert.equal(end.ok, false);
  assert.match(await page.getByTestId('failure').innerText(), new RegExp(`${verb} failed: ${pulp.host} asked for a login`));
  const form = scope.getByTestId('login').filter({ hasText: `Sign in to ${pulp.host}` });
  assert.equal(await form.evaluate((details) => details.open), true, 'the sign-in form is open');
  const shown = await form.getByTestId('login-said').innerText();
  assert.ok(shown.includes(said), `the registry's message "${said}" is shown: ${shown}`);
  assert.match(shown, /401/);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete')), 'username',
    'the focus is on the user name');
}

test('a push refused with 401 opens the sign-in form with the registry\'s message; signed in, it goes', async () => {
  const archive = dockerArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'plain.tar'));
  const repository = `sign-in-e2e/push-${stamp}`;
  const said = await pulpRefusal(repository);
  const { page, errors } = await openPage('#/upload');
  await pickFile(page, archive);
  await fillTarget(page, 'upload', { registry: pulp.host, repository, tag: 'v1' });
  const target = page.getByTestId('upload-target');
  assert.equal(await target.getByTestId('login').evaluate((d) => d.open), false, 'not offered open before Pulp asked');

  await page.getByTestId('push').click();
  await expectSignInOpened(page, target, said, 'Push');
  await screenshot(page, 'sign-in-push-401-1280');

  await signIn(target, pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);
  await page.getByTestId('push').click();
  await page.getByTestId('failure').waitFor({ state: 'detached' });
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(sha256(skopeoRaw(`${pulp.host}/${repository}:v1`, creds)), end.digest);
  assert.deepEqual(errors.filter((e) => !/status of 401 \(Unauthorized\)$/.test(e)), []);
});

test('a copy refused with 401 opens the target\'s sign-in form; signed in, it goes', async () => {
  const image = reg.fixtures.images['fixtures/plain:v1'];
  const repository = `sign-in-e2e/copy-${stamp}`;
  const said = await pulpRefusal(repository);
  const { page, errors } = await openPage(`#/copy?${new URLSearchParams({ from: `${reg.host}/${image.repository}:${image.tag}` })}`);
  await page.getByTestId('layer-row').first().waitFor();
  await fillTarget(page, 'copy', { registry: pulp.host, repository, tag: 'copied' });
  await page.getByTestId('copy').click();
  const target = page.getByTestId('copy-target');
  await expectSignInOpened(page, target, said, 'Copy');

  await signIn(target, pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);
  await page.getByTestId('copy').click();
  await page.getByTestId('failure').waitFor({ state: 'detached' });
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(end.digest, image.manifest.digest);
  assert.deepEqual(errors.filter((e) => !/status of 401 \(Unauthorized\)$/.test(e)), []);
});
