// The engine runs here, off the page's thread, so the page never freezes.
// Protocol: the page posts {id, type, ...}; the worker answers {id, ok: true, ...} or
// {id, ok: false, error}, and {id, type: 'progress', done, total} while translating.
import init, { Retort, version } from './pkg/retort_wasm.js';

const CACHE = 'retort-models-v1';
let engine = null;
let ready = null;

async function fetchBundle(url) {
  // The bundle is fetched once and kept in the Cache API (keyed by its content hash, so a
  // rebuilt bundle replaces the old one).
  const t0 = performance.now();
  let cached = false;
  let bytes;
  const cache = self.caches ? await caches.open(CACHE) : null;
  let resp = cache ? await cache.match(url) : undefined;
  if (resp) {
    cached = true;
  } else {
    resp = await fetch(url);
    if (!resp.ok) throw new Error(`fetching ${url}: HTTP ${resp.status}`);
    if (cache) {
      for (const old of await cache.keys()) await cache.delete(old);
      await cache.put(url, resp.clone());
    }
  }
  bytes = new Uint8Array(await resp.arrayBuffer());
  return { bytes, cached, ms: performance.now() - t0 };
}

function load(bytes) {
  const t0 = performance.now();
  const next = new Retort(bytes);
  if (engine) engine.free();
  engine = next;
  return { info: engine.info(), defaults: engine.defaultOptions(), load_ms: performance.now() - t0 };
}

async function start() {
  const t0 = performance.now();
  await init({ module_or_path: new URL('./pkg/retort_wasm_bg.wasm', import.meta.url) });
  const wasm_ms = performance.now() - t0;
  const manifest = await (await fetch('./pkg/manifest.json', { cache: 'no-cache' })).json();
  const url = new URL(`./pkg/${manifest.bundle}?v=${manifest.bundle_sha}`, import.meta.url).href;
  const b = await fetchBundle(url);
  const loaded = load(b.bytes);
  return { ...loaded, version: version(), timings: { wasm_ms, fetch_ms: b.ms, cached: b.cached, load_ms: loaded.load_ms } };
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  const reply = (m, transfer = []) => self.postMessage({ id: msg.id, ...m }, transfer);
  try {
    if (msg.type === 'init') {
      ready = ready || start();
      reply({ ok: true, ...(await ready) });
    } else if (msg.type === 'load') {
      await ready;
      const loaded = load(new Uint8Array(msg.bytes));
      reply({ ok: true, ...loaded, timings: { load_ms: loaded.load_ms } });
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
