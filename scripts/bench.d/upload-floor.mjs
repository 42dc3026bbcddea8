// The browser's floor for scripts/bench.d/upload.sh: what the bare platform takes to upload the
// same layer, with no Waybill code in the page. A plain page fetches `PATCH`es of 8 MiB `File`
// slices (the app's default chunk) one after the other into the registry, then the
// `PUT ?digest=` — no hashing, no workers, no progress, no wasm. What the app's upload takes
// beyond this is the app's own cost; what this takes is Chromium's and the registry's.
//
// The page is put on ORIGIN and sends to API, the registry's base URL: through `waybill serve`
// (ORIGIN its origin, API `<origin>/r/<host>`), or straight to the registry (both the registry's
// origin: same-origin, so no CORS is needed), which leaves the proxy out.
//
// usage: node upload-floor.mjs ORIGIN API REPOSITORY ARCHIVE OFFSET SIZE DIGEST CHUNK_MIB
// Prints one JSON object on stdout: { seconds, chunks }.
import { launch } from '../../tests/e2e/lib/browser.mjs';

const [origin, api, repository, archive, offset, size, digest, chunkMib] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage();
// A document of our own on ORIGIN (instead of the app, on the proxy); the route is removed before
// the upload so that Playwright intercepts none of its requests.
const blank = `${origin}/upload-floor.html`;
await page.route(blank, (route) => route.fulfill({ contentType: 'text/html', body: '<input type="file" id="file">' }));
await page.goto(blank);
await page.unroute(blank);
await page.locator('#file').setInputFiles(archive);
const result = await page.evaluate(async ({ api, repository, offset, size, digest, chunk }) => {
  const file = document.getElementById('file').files[0];
  const send = async (method, url, init = {}) => {
    const response = await fetch(new URL(url, api + '/'), { method, credentials: 'omit', cache: 'no-store', ...init });
    await response.arrayBuffer();
    return response;
  };
  const t0 = performance.now();
  let response = await send('POST', `${api}/v2/${repository}/blobs/uploads/`);
  if (response.status !== 202) throw new Error(`POST: ${response.status}`);
  let session = response.headers.get('Location');
  let chunks = 0;
  for (let at = 0; at < size; at += chunk) {
    const end = Math.min(at + chunk, size);
    response = await send('PATCH', session, {
      body: file.slice(offset + at, offset + end),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${at}-${end - 1}` },
    });
    if (response.status !== 202) throw new Error(`PATCH ${at}: ${response.status}`);
    session = response.headers.get('Location');
    chunks += 1;
  }
  const done = new URL(session, api + '/');
  done.searchParams.append('digest', digest);
  response = await send('PUT', done.href);
  if (response.status !== 201) throw new Error(`PUT: ${response.status}`);
  return { seconds: (performance.now() - t0) / 1000, chunks };
}, { api, repository, offset: Number(offset), size: Number(size), digest, chunk: Number(chunkMib) * 1048576 });
console.log(JSON.stringify(result));
await browser.close();
