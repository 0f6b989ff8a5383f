// A small static server for the demo page, on 127.0.0.1 only, with the caching a real host
// should give it: content-hashed names (pkg/*.<hash>.*, see build-assets.mjs) are immutable for
// a year; everything else is revalidated (ETag, 304). Precompressed .br/.gz siblings are sent
// when the client accepts them; other text is gzipped on the fly.
// Usage: node web/serve.mjs [--port 8080]   (port 0 picks a free one; the URL is printed)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { HASHED } from './build-assets.mjs';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.retort': 'application/octet-stream', '.ico': 'image/x-icon',
};
const TEXT = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

// The content codings the client accepts (q=0 refuses one) and the server offers, brotli first.
function accepted(req, offered) {
  const ok = new Set();
  for (const part of String(req.headers['accept-encoding'] || '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';').map((x) => x.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) ok.add(name);
  }
  return [['br', '.br'], ['gzip', '.gz']].filter(([enc]) => ok.has(enc) && offered.includes(enc));
}

function statFile(file) {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

function respond(req, res, file, st, offered) {
  const ext = path.extname(file);
  const headers = { 'content-type': TYPES[ext] || 'application/octet-stream', vary: 'Accept-Encoding' };
  const hashed = HASHED.test(path.basename(file));
  if (hashed) {
    headers['cache-control'] = IMMUTABLE;
  } else {
    // Validators for everything else: a reload costs a 304 instead of the file. Weak, as the
    // gzipped and identity bodies share it.
    const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    headers['cache-control'] = 'no-cache';
    headers.etag = etag;
    const inm = String(req.headers['if-none-match'] || '');
    if (inm.split(',').map((s) => s.trim()).includes(etag)) {
      res.writeHead(304, headers).end();
      return;
    }
  }
  let body = file, size = st.size, gzipNow = false;
  const codings = accepted(req, offered);
  for (const [enc, suffix] of codings) {
    const pre = statFile(file + suffix);
    if (pre) { body = file + suffix; size = pre.size; headers['content-encoding'] = enc; break; }
  }
  if (!headers['content-encoding'] && TEXT.has(ext) && codings.some(([enc]) => enc === 'gzip')) {
    headers['content-encoding'] = 'gzip';
    gzipNow = true;
  }
  if (!gzipNow) headers['content-length'] = size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') { res.end(); return; }
  const stream = fs.createReadStream(body);
  (gzipNow ? stream.pipe(zlib.createGzip()) : stream).pipe(res);
}

/**
 * Starts the server. `server.bytesSent()` is every byte written to clients so far (headers
 * and bodies, as sent: compressed where compressed), for the transfer-size tests.
 * `encodings` are the content codings offered (a host without brotli: ['gzip']).
 */
export function serve(port = 8080, { encodings = ['br', 'gzip'] } = {}) {
  const sockets = new Set();
  let closedBytes = 0;
  const server = http.createServer((req, res) => {
    let rel;
    try { rel = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400).end(); return; }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(ROOT, path.normalize(rel));
    if (!file.startsWith(ROOT + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) { res.writeHead(403).end(); return; }
    const st = statFile(file);
    if (!st) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    respond(req, res, file, st, encodings);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => { closedBytes += s.bytesWritten; sockets.delete(s); });
  });
  server.bytesSent = () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? +process.argv[i + 1] : 8080;
  if (!fs.existsSync(path.join(ROOT, 'pkg', 'manifest.json'))) {
    console.error('web/pkg is missing: run scripts/build-web.sh first');
    process.exit(1);
  }
  const server = await serve(port);
  console.log(`Retort demo on http://127.0.0.1:${server.address().port}/  (Ctrl-C stops it)`);
}
