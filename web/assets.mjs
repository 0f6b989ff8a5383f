// The page's assets, by logical name, through pkg/manifest.json (written by build-assets.mjs):
// each has a content-hashed URL, and the large ones are kept in the Cache API, so a reload
// downloads none of them. Used by the page (RDKit.js) and the engine worker (engine, bundles).

// Entries of an older manifest (another hash) are pruned; the name changes with the scheme.
export const ASSET_CACHE = 'retort-assets-v1';
const RETIRED_CACHES = ['retort-models-v1'];
const MANIFEST = 'pkg/manifest.json';

/** The build manifest, revalidated on every load (it is the one file that names the others). */
export async function loadManifest(base) {
  const resp = await fetch(new URL(MANIFEST, base), { cache: 'no-cache' });
  if (!resp.ok) throw new Error(`fetching ${MANIFEST}: HTTP ${resp.status} (run scripts/build-web.sh)`);
  const manifest = await resp.json();
  return { base: String(base), files: manifest.files };
}

function entry(manifest, name) {
  const f = manifest.files[name];
  if (!f) throw new Error(`${MANIFEST} names no '${name}': rebuild with scripts/build-web.sh`);
  return f;
}

/** The hashed URL of an asset. */
export function assetUrl(manifest, name) {
  return new URL(`pkg/${entry(manifest, name).path}`, manifest.base).href;
}

/** An asset's size before transfer compression (the progress bar's total). */
export const assetBytes = (manifest, name) => entry(manifest, name).bytes;

// The body, read chunk by chunk so that `onBytes(read, total, wire)` can report progress.
// `read` counts decoded bytes, so its scale is `total`, the manifest's uncompressed size;
// Content-Length is the size on the wire (compressed, when the host compresses), reported as
// `wire` so that the page can show the bytes actually being downloaded: read / total × wire.
async function readWithProgress(resp, total, onBytes) {
  const wire = Number(resp.headers.get('content-length')) || total;
  if (!resp.body) return new Uint8Array(await resp.arrayBuffer());
  const chunks = [];
  let read = 0;
  const reader = resp.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    read += value.length;
    onBytes?.(Math.min(read, total), total, wire);
  }
  const bytes = new Uint8Array(read);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  return bytes;
}

/**
 * An asset's bytes: from the Cache API when an earlier visit stored this version, otherwise
 * downloaded (reporting progress) and stored. Returns {bytes, cached, ms}.
 */
export async function fetchAsset(manifest, name, onBytes) {
  const t0 = performance.now();
  const url = assetUrl(manifest, name);
  const total = assetBytes(manifest, name);
  const cache = globalThis.caches ? await caches.open(ASSET_CACHE) : null;
  const hit = cache ? await cache.match(url) : undefined;
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onBytes?.(total, total, 0);
    return { bytes, cached: true, ms: performance.now() - t0 };
  }
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`fetching ${name}: HTTP ${resp.status}`);
  const bytes = await readWithProgress(resp, total, onBytes);
  if (bytes.length !== total) throw new Error(`${name}: got ${bytes.length} bytes, the manifest says ${total}`);
  if (cache) {
    const type = resp.headers.get('content-type') || 'application/octet-stream';
    await cache.put(url, new Response(bytes, { headers: { 'content-type': type } }));
  }
  return { bytes, cached: false, ms: performance.now() - t0 };
}

/** Drops cached assets that the current manifest no longer names (earlier builds). */
export async function pruneAssetCache(manifest) {
  if (!globalThis.caches) return;
  for (const old of RETIRED_CACHES) await caches.delete(old);
  const current = new Set(Object.keys(manifest.files).map((name) => assetUrl(manifest, name)));
  const cache = await caches.open(ASSET_CACHE);
  for (const req of await cache.keys()) if (!current.has(req.url)) await cache.delete(req);
}
