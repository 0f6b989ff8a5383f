// The engine runs here, off the page's thread, so the page never freezes.
// Protocol: the page posts {id, type, ...}; the worker answers {id, ok: true, ...} or
// {id, ok: false, error}; while working it also posts {id, type: 'progress', done, total}
// (translation) and {id, type: 'download', name, read, total, wire} (asset downloads; see
// fetchAsset).
import { assetUrl, fetchAsset } from './assets.mjs';

let wasm = null;
let engine = null;
let ready = null;
let manifest = null;

function load(bytes) {
  const t0 = performance.now();
  const next = new wasm.Retort(bytes);
  if (engine) engine.free();
  engine = next;
  return { info: engine.info(), defaults: engine.defaultOptions(), load_ms: performance.now() - t0 };
}

// The engine (its JS glue and wasm) and the default bundle download side by side.
async function start(id, m) {
  manifest = m;
  const download = (name) => fetchAsset(manifest, name, (read, total, wire) =>
    self.postMessage({ id, type: 'download', name, read, total, wire }));
  const t0 = performance.now();
  const [glue, engineWasm, bundle] = await Promise.all([
    import(assetUrl(manifest, 'retort_wasm.js')),
    download('retort_wasm_bg.wasm'),
    download('default.retort'),
  ]);
  await glue.default({ module_or_path: engineWasm.bytes });
  wasm = glue;
  const wasm_ms = performance.now() - t0;
  const loaded = load(bundle.bytes);
  return {
    ...loaded,
    version: wasm.version(),
    timings: { wasm_ms, wasm_cached: engineWasm.cached, fetch_ms: bundle.ms, cached: bundle.cached, load_ms: loaded.load_ms },
  };
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  const reply = (m, transfer = []) => self.postMessage({ id: msg.id, ...m }, transfer);
  try {
    if (msg.type === 'init') {
      ready = ready || start(msg.id, msg.manifest);
      reply({ ok: true, ...(await ready) });
    } else if (msg.type === 'load') {
      await ready;
      // A built-in bundle by its manifest name (cached like the engine), or bytes from disk.
      const fetched = msg.asset ? await fetchAsset(manifest, msg.asset, (read, total, wire) =>
        self.postMessage({ id: msg.id, type: 'download', name: msg.asset, read, total, wire })) : null;
      const loaded = load(fetched ? fetched.bytes : new Uint8Array(msg.bytes));
      reply({ ok: true, ...loaded, timings: { load_ms: loaded.load_ms, ...(fetched && { fetch_ms: fetched.ms, cached: fetched.cached }) } });
    } else if (msg.type === 'translate') {
      await ready;
      if (!engine) throw new Error('no model loaded');
      const t0 = performance.now();
      const result = engine.translate(msg.inputs, msg.options || null, (done, total) =>
        self.postMessage({ id: msg.id, type: 'progress', done, total }));
      const ms = performance.now() - t0;
      const transfer = [];
      for (const t of result) for (const p of t.predictions) if (p.attention) transfer.push(p.attention.data.buffer);
      reply({ ok: true, result, ms }, transfer);
    } else {
      throw new Error(`unknown request '${msg.type}'`);
    }
  } catch (e) {
    reply({ ok: false, error: e && e.message ? e.message : String(e) });
  }
};
