// Fast loads: what serve.mjs sends (immutable hashed assets, validators, precompressed bodies)
// and what headless Chromium downloads, counted at the server (every byte written to the
// sockets, headers included): a cold first prediction within 5 MB, a reload within 100 KB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { PKG, WEB } from './helpers.mjs';
import { startPage } from './browser.mjs';
import { serve } from '../serve.mjs';

const ART = path.join(WEB, 'test-artifacts');
const COLD_BUDGET = 5 * 1000 * 1000;
const RELOAD_BUDGET = 100 * 1000;
const manifest = JSON.parse(fs.readFileSync(path.join(PKG, 'manifest.json'), 'utf8'));

// A raw GET (no automatic decoding): status, headers, body bytes as sent.
function get(base, rel, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(new URL(rel, base), { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('serve.mjs: hashed assets are immutable and precompressed; page files revalidate', async () => {
  const server = await serve(0);
  const base = `http://127.0.0.1:${server.address().port}/`;
  try {
    const f = manifest.files['RDKit_minimal.wasm'];
    const raw = fs.readFileSync(path.join(PKG, 'RDKit_minimal.wasm'));
    assert.equal(f.bytes, raw.length);
    for (const [accept, enc, decode, size] of [
      ['gzip, deflate, br', 'br', zlib.brotliDecompressSync, f.br],
      ['gzip', 'gzip', zlib.gunzipSync, f.gz],
      ['br;q=0, gzip', 'gzip', zlib.gunzipSync, f.gz],
    ]) {
      const r = await get(base, `pkg/${f.path}`, { 'accept-encoding': accept });
      assert.equal(r.status, 200);
      assert.match(r.headers['cache-control'], /max-age=31536000.*immutable/);
      assert.equal(r.headers['content-encoding'], enc, accept);
      assert.equal(r.body.length, size);
      assert.equal(+r.headers['content-length'], size);
      assert.ok(decode(r.body).equals(raw), `${accept}: decodes to the asset`);
    }
    const plain = await get(base, `pkg/${f.path}`);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.equals(raw));

    // The page and the manifest: no-cache with an ETag, 304 when it matches; text is gzipped.
    for (const rel of ['', 'app.js', 'pkg/manifest.json']) {
      const r = await get(base, rel, { 'accept-encoding': 'gzip' });
      assert.equal(r.status, 200, rel);
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.equal(r.headers['content-encoding'], 'gzip');
      const file = path.join(WEB, rel || 'index.html');
      assert.ok(zlib.gunzipSync(r.body).equals(fs.readFileSync(file)), rel);
      const again = await get(base, rel, { 'if-none-match': r.headers.etag });
      assert.equal(again.status, 304, rel);
      assert.equal(again.body.length, 0);
    }
    // Every asset the manifest names exists under its hashed name with its stated size.
    for (const [name, e] of Object.entries(manifest.files)) {
      assert.equal(fs.statSync(path.join(PKG, e.path)).size, e.bytes, name);
      assert.match(e.path, /\.[0-9a-f]{16}\.[a-z]+$/, name);
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});

let ctx;
before(async () => {
  fs.mkdirSync(ART, { recursive: true });
  ctx = await startPage();
});
after(async () => { if (ctx) await ctx.close(); });

async function firstPrediction(page) {
  await page.waitForSelector('body[data-ready="1"]', { timeout: 120000 });
  await page.fill('#smiles', 'CC(=O)Cl.NCc1ccccc1');
  await page.press('#smiles', 'Enter');
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
}

// Records the progress bar's states (value, max, text) as the page updates it.
function recordProgress() {
  window.__progress = [];
  document.addEventListener('DOMContentLoaded', () => {
    const bar = document.getElementById('download-bar');
    const text = document.getElementById('download-text');
    new MutationObserver(() => window.__progress.push({ value: bar.value, max: bar.max, text: text.textContent }))
      .observe(text, { childList: true, characterData: true, subtree: true });
  });
}

test('cold first prediction ≤ 5 MB with a byte progress bar; a reload ≤ 100 KB', async () => {
  const { page, server, url } = ctx;
  const requests = [];
  server.on('request', (req, res) => res.on('finish', () => requests.push(`${res.statusCode} ${req.url}`)));
  await page.addInitScript(recordProgress);
  // 20 Mbit/s, so that the progress bar has something to show (and the time is a real one).
  const cdp = await ctx.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: 20e6 / 8, uploadThroughput: 5e6 / 8 });

  const t0 = Date.now();
  await page.goto(url);
  // A picture of the bar mid-download (web/test-artifacts/; the assertions are below).
  await page.waitForSelector('#download:not([hidden])', { timeout: 10000 })
    .then(() => page.screenshot({ path: path.join(ART, 'download-progress.png'), clip: { x: 0, y: 0, width: 1440, height: 240 } }))
    .catch(() => console.log('no screenshot: the download finished first'));
  await firstPrediction(page);
  const cold = server.bytesSent();
  console.log(`cold first prediction: ${cold} bytes in ${requests.length} requests, ${Date.now() - t0} ms at 20 Mbit/s`);
  console.log(requests.map((r) => `  ${r}`).join('\n'));
  assert.ok(cold <= COLD_BUDGET, `cold first prediction transferred ${cold} bytes (budget ${COLD_BUDGET})`);

  // The bar counts bytes on the wire: once every response has arrived, its total is the three
  // brotli bodies (Content-Length), not their 11 MB decoded.
  const large = ['retort_wasm_bg.wasm', 'default.retort', 'RDKit_minimal.wasm'];
  const wire = large.reduce((n, k) => n + manifest.files[k].br, 0);
  const samples = await page.evaluate(() => window.__progress);
  const partial = samples.filter((s) => s.value > 0 && s.value < s.max);
  assert.ok(partial.length > 0, `the bar showed partial progress: ${JSON.stringify(samples.slice(0, 5))}`);
  const final = samples.filter((s) => s.max === wire);
  assert.ok(final.length > 0, `the bar's total reached the three compressed bodies (${wire} bytes): ${JSON.stringify(samples.slice(-3))}`);
  assert.match(final[0].text, new RegExp(`^Downloading \\d+\\.\\d of ${(wire / 1048576).toFixed(1)} MB$`));
  for (let i = 1; i < final.length; i++) assert.ok(final[i].value >= final[i - 1].value, 'progress never goes back');
  assert.equal(await page.isHidden('#download'), true, 'the bar is gone once loaded');

  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  requests.length = 0;
  await page.reload();
  await firstPrediction(page);
  const reload = server.bytesSent() - cold;
  console.log(`reload + prediction: ${reload} bytes in ${requests.length} requests`);
  console.log(requests.map((r) => `  ${r}`).join('\n'));
  assert.ok(reload <= RELOAD_BUDGET, `a reload transferred ${reload} bytes (budget ${RELOAD_BUDGET})`);
  assert.deepEqual(requests.filter((r) => /\/pkg\/.*\.[0-9a-f]{16}\./.test(r)), [], 'no hashed asset is fetched again');
  assert.ok(requests.every((r) => r.startsWith('304 ')), `page files revalidate: ${requests.join(', ')}`);
  assert.match(await page.textContent('#timings'), /from cache/);
});

test('a host without brotli (gzip only): cold first prediction still ≤ 5 MB', async () => {
  const gz = await startPage({ encodings: ['gzip'] });
  try {
    await gz.page.goto(gz.url);
    await firstPrediction(gz.page);
    const cold = gz.server.bytesSent();
    console.log(`cold first prediction, gzip only: ${cold} bytes`);
    assert.ok(cold <= COLD_BUDGET, `gzip-only cold first prediction transferred ${cold} bytes (budget ${COLD_BUDGET})`);
  } finally {
    await gz.close();
  }
});
