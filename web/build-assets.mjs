// Build step for fast loads: content-hashed copies of the page's large or versioned assets in
// web/pkg, each precompressed (gzip and brotli, kept only where they save bytes), and
// pkg/manifest.json naming them. The page loads every asset through the manifest, so a hashed
// name can be cached for a year (serve.mjs sends `immutable`); only the small page files and
// the manifest itself are revalidated on a reload.
// Usage: node web/build-assets.mjs [PKG_DIR]   (run by scripts/build-web.sh; idempotent)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

// The logical names the page asks the manifest for.
export const ASSETS = [
  'retort_wasm.js', 'retort_wasm_bg.wasm', 'RDKit_minimal.js', 'RDKit_minimal.wasm',
  'default.retort', 'examples.json', 'annalog.retort', 'annalog-examples.json',
];
// A hashed name: stem.<16 hex>.ext (serve.mjs recognises it by this shape).
export const HASHED = /\.[0-9a-f]{16}\.[A-Za-z0-9]+$/;
// Precompressed variants are written only when they save at least this fraction.
const MIN_SAVING = 0.05;
// Brotli 9 takes ~8 s for all assets on one core (RDKit.js 1.98 MB); 11 saves another 13 %
// (1.72 MB) but takes ~160 s, too slow for every test run: a deployment build can ask for it.
const BROTLI_QUALITY = Number(process.env.RETORT_BROTLI_QUALITY || 9);

export function hashedName(file, bytes) {
  const ext = path.extname(file);
  const hash = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return `${path.basename(file, ext)}.${hash}${ext}`;
}

const ENCODERS = {
  gz: (bytes) => zlib.gzipSync(bytes, { level: 9 }),
  br: (bytes) => zlib.brotliCompressSync(bytes, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  }),
};

export function buildAssets(pkg) {
  const files = {};
  for (const name of ASSETS) {
    const src = path.join(pkg, name);
    if (!fs.existsSync(src)) throw new Error(`${src} is missing: scripts/build-web.sh writes it`);
    const bytes = fs.readFileSync(src);
    const hashed = hashedName(name, bytes);
    fs.writeFileSync(path.join(pkg, hashed), bytes);
    const entry = { path: hashed, bytes: bytes.length };
    for (const [enc, encode] of Object.entries(ENCODERS)) {
      // Same hash, same content: a variant written by an earlier run is reused.
      const out = path.join(pkg, `${hashed}.${enc}`);
      const data = fs.existsSync(out) ? fs.readFileSync(out) : encode(bytes);
      if (data.length <= bytes.length * (1 - MIN_SAVING)) {
        fs.writeFileSync(out, data);
        entry[enc] = data.length;
      } else {
        fs.rmSync(out, { force: true });
      }
    }
    files[name] = entry;
  }
  // Hashed files of earlier builds whose source has changed since.
  const current = new Set(Object.values(files).flatMap((f) => [f.path, `${f.path}.gz`, `${f.path}.br`]));
  for (const f of fs.readdirSync(pkg)) {
    if (HASHED.test(f.replace(/\.(gz|br)$/, '')) && !current.has(f)) fs.rmSync(path.join(pkg, f));
  }
  const manifest = { built: new Date().toISOString(), files };
  fs.writeFileSync(path.join(pkg, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkg = path.resolve(process.argv[2] || path.join(path.dirname(fileURLToPath(import.meta.url)), 'pkg'));
  const t0 = Date.now();
  const { files } = buildAssets(pkg);
  console.log(`${pkg}/manifest.json (${((Date.now() - t0) / 1000).toFixed(1)} s): asset, bytes, gzip, brotli`);
  for (const [name, f] of Object.entries(files)) {
    console.log(`  ${name.padEnd(22)} ${String(f.bytes).padStart(9)} ${String(f.gz ?? '-').padStart(9)} ${String(f.br ?? '-').padStart(9)}  ${f.path}`);
  }
}
