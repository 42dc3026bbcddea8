// Driving the Upload and Copy pages: dropping a file, filling the target form, signing in, and
// waiting for a run to end.
import path from 'node:path';

/**
 * Drops `file` onto the drop zone as a browser would: a `File` in a `DataTransfer`, dispatched
 * as dragenter, dragover and drop. The File is made by a throw-away input of the test's own
 * (Playwright's setInputFiles hands Chromium the path, so a large file is never copied through
 * the test), not by the page's picker, so the drop-zone path is what gets exercised.
 */
export async function dropFile(page, file) {
  // Upload is a module of its own, loaded on first use: the zone may not be there yet.
  await page.getByTestId('drop-zone').waitFor({ timeout: 60_000 });
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'e2e-drop-source';
    input.hidden = true;
    document.body.append(input);
  });
  await page.locator('#e2e-drop-source').setInputFiles(file);
  await page.evaluate(() => {
    const input = document.getElementById('e2e-drop-source');
    const data = new DataTransfer();
    data.items.add(input.files[0]);
    input.remove();
    const zone = document.querySelector('[data-testid=drop-zone]');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }
  });
  await page.getByTestId('archive').waitFor({ timeout: 60_000 });
  const shown = await page.locator('#archive-heading').innerText();
  if (shown !== path.basename(file)) throw new Error(`the page opened ${shown}, not ${path.basename(file)}`);
}

/** Chooses `file` with the page's own file picker. */
export async function pickFile(page, file) {
  await page.locator('#archive-file').setInputFiles(file);
  await page.getByTestId('archive').waitFor({ timeout: 120_000 });
}

/** Chooses how Upload pushes plain docker-save layers: "gzip" (the default), "zstd" or "none". */
export async function chooseCompression(page, value) {
  await page.getByTestId('layer-compression').selectOption(value);
}

/** Fills the target form of `form` ("upload" or "copy"). */
export async function fillTarget(page, form, { registry, repository, tag }) {
  await page.fill(`#${form}-target-registry`, registry);
  await page.fill(`#${form}-target-repository`, repository);
  await page.fill(`#${form}-target-tag`, tag);
}

/** Signs in to `host` with the login form inside `scope` (a locator), kept in memory only. */
export async function signIn(scope, host, user, password) {
  const form = scope.getByTestId('login').filter({ hasText: `Sign in to ${host}` });
  // Open already where the page was refused for want of a login.
  if (!(await form.evaluate((details) => details.open))) await form.locator('summary').click();
  await form.getByLabel('User name').fill(user);
  await form.getByLabel('Password or access token').fill(password);
  // "Use this login" on a target form; "Sign in and retry" where a read was refused or done.
  await form.getByRole('button', { name: /^(Use this login|Sign in and retry)$/ }).click();
  await form.getByText(`signed in as ${user}`).waitFor();
}

/** Waits for the run to end: the result panel or a failure, whichever comes. */
export async function runEnds(page, timeout = 180_000) {
  await page.locator('[data-testid=result], [data-testid=failure], [data-testid=rejection-panel] >> visible=true')
    .first()
    .waitFor({ timeout });
  const transfer = page.getByTestId('transfer');
  if (await page.getByTestId('result').count()) return { ok: true, digest: await page.getByTestId('result-digest').innerText() };
  return { ok: false, text: await transfer.innerText() };
}
