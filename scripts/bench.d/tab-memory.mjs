// The tab's memory over the page and every worker, through the DevTools protocol (shared by the
// browser benchmarks, upload.mjs and layers-browser.mjs): the JS heap and ArrayBuffer backing
// stores sampled every 100 ms (Runtime.getHeapUsage per target), and at the end the size of every
// WebAssembly.Memory (Runtime.queryObjects; a wasm memory never shrinks, so its final size is its
// peak).

/**
 * Starts sampling every page and worker target of `browser`; `stop()` ends it and resolves to
 * `{ peak: { js, backing, sum, targets, wasm }, workers }`.
 */
export async function watchTab(browser) {
  // Every page and worker target, attached through one browser-level DevTools session.
  const cdp = await browser.newBrowserCDPSession();
  const sessions = new Map();
  const pending = new Map();
  let nextId = 1;
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message);
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  function call(sessionId, method, params = {}) {
    const id = nextId++;
    const answered = new Promise((resolve) => pending.set(id, resolve));
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(() => pending.delete(id));
    return Promise.race([answered, new Promise((resolve) => setTimeout(() => resolve({}), 5000))]);
  }

  /** The bytes of every WebAssembly.Memory in the target. */
  async function wasmMemory(sessionId) {
    const proto = await call(sessionId, 'Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
    const prototypeObjectId = proto.result?.result?.objectId;
    if (!prototypeObjectId) return 0;
    const found = await call(sessionId, 'Runtime.queryObjects', { prototypeObjectId });
    const objectId = found.result?.objects?.objectId;
    if (!objectId) return 0;
    const sum = await call(sessionId, 'Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: 'function () { return this.reduce((a, m) => a + m.buffer.byteLength, 0); }',
      returnByValue: true,
    });
    return sum.result?.result?.value ?? 0;
  }
  async function sample() {
    const { targetInfos } = await cdp.send('Target.getTargets');
    for (const t of targetInfos) {
      if ((t.type === 'page' || t.type === 'worker') && !sessions.has(t.targetId)) {
        const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false }).catch(() => ({}));
        if (sessionId) sessions.set(t.targetId, { sessionId, type: t.type });
      }
    }
    const live = new Set(targetInfos.map((t) => t.targetId));
    let js = 0;
    let backing = 0;
    const targets = [];
    for (const [targetId, s] of sessions) {
      if (!live.has(targetId)) continue;
      const { result } = await call(s.sessionId, 'Runtime.getHeapUsage');
      if (!result) continue;
      js += result.usedSize;
      backing += result.backingStorageSize ?? 0;
      targets.push({ type: s.type, js: result.usedSize, backing: result.backingStorageSize ?? 0 });
    }
    return { js, backing, targets };
  }

  const peak = { js: 0, backing: 0, sum: 0, targets: [] };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await sample();
      peak.js = Math.max(peak.js, s.js);
      peak.backing = Math.max(peak.backing, s.backing);
      if (s.js + s.backing > peak.sum) {
        peak.sum = s.js + s.backing;
        peak.targets = s.targets;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  return {
    async stop() {
      sampling = false;
      await sampler;
      const workers = [...sessions.values()].filter((s) => s.type === 'worker').length;
      const wasm = [];
      for (const s of sessions.values()) wasm.push({ type: s.type, bytes: await wasmMemory(s.sessionId) });
      peak.wasm = wasm;
      return { peak, workers };
    },
  };
}
