// Waybill's streamed download, for browsers without the File System Access API's save picker
// (Firefox, Safari, Chrome on Android): the page registers this service worker, hands it a
// MessagePort for one download, and opens /waybill-download/<id>. The answer's body is a stream
// this worker fills from the port one chunk at a time, asking the page for each ("pull") only
// once the browser has taken the last: the archive is written to disk as it is made, never held
// in the tab or here. The page ends it ("end"), or fails it ("error"), which the browser shows
// as a failed download rather than a short file. Every other request passes by untouched.
'use strict';

const downloads = new Map();

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  const { type, id, name } = event.data || {};
  const port = event.ports[0];
  if (type !== 'download' || !port || typeof id !== 'string') return;
  downloads.set(id, { name: String(name || 'images.tar'), port });
  port.postMessage({ type: 'registered' });
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const match = url.pathname.match(/\/waybill-download\/([0-9a-f-]{8,64})$/);
  if (url.origin !== self.location.origin || !match) return;
  const download = downloads.get(match[1]);
  if (!download) {
    event.respondWith(new Response('This download is over or was never started: start it again from Waybill.\n',
      { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }));
    return;
  }
  downloads.delete(match[1]);
  event.respondWith(answer(download));
});

/** The response: a byte stream fed by the page through `port`. */
function answer({ name, port }) {
  // Messages not yet taken by a pull (an end or an error may come before the browser asks).
  const queue = [];
  let waiting = null;
  port.onmessage = ({ data }) => {
    if (waiting) {
      const take = waiting;
      waiting = null;
      take(data);
    } else {
      queue.push(data);
    }
  };
  const next = () => new Promise((resolve) => {
    if (queue.length) resolve(queue.shift());
    else waiting = resolve;
  });
  const body = new ReadableStream({
    async pull(controller) {
      port.postMessage({ type: 'pull' });
      const data = await next();
      if (data.type === 'chunk') controller.enqueue(new Uint8Array(data.bytes));
      else if (data.type === 'end') controller.close();
      else controller.error(new Error(data.message || 'the download failed'));
    },
    cancel() {
      port.postMessage({ type: 'cancelled' });
    },
  }, { highWaterMark: 0 });
  const filename = name.replace(/["\\\r\n]/g, '_');
  return new Response(body, {
    headers: {
      'Content-Type': 'application/x-tar',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
