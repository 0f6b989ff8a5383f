// Shared test helpers: paths, the native CLI, the wasm engine under node.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(WEB, '..');
export const PKG = path.join(WEB, 'pkg');
// The CLI that scripts/test-web.sh builds (where cargo puts it: CARGO_TARGET_DIR when set).
export const RETORT = process.env.RETORT_BIN ||
  path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'release', 'retort');
export const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'retort-web-'));

/** The wasm engine, initialised in node from a --target web build (web/pkg by default). */
export async function loadWasm(dir = PKG) {
  const mod = await import(path.join(dir, 'retort_wasm.js'));
  mod.initSync({ module: fs.readFileSync(path.join(dir, 'retort_wasm_bg.wasm')) });
  return mod;
}

/** Runs `retort translate --format jsonl` on `inputs` with CLI flags; returns parsed lines. */
export function cliTranslate(inputs, flags, model) {
  const file = path.join(TMP, `in-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(file, inputs.join('\n') + '\n');
  const args = ['translate', '--format', 'jsonl', ...(model ? ['-m', model] : []), ...flags, file];
  const out = execFileSync(RETORT, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

/** The onmt12 fixture imported into a bundle (once per process). */
let onmt12;
export function onmt12Bundle() {
  if (!onmt12) {
    onmt12 = path.join(TMP, 'onmt12.retort');
    execFileSync(RETORT, ['import', path.join(ROOT, 'fixtures', 'onmt12', 'model_zip.pt'), '-o', onmt12], { stdio: 'pipe' });
  }
  return onmt12;
}

/** The same toy model imported with a stated task (`retort import --task TASK`). */
export function onmt12BundleWithTask(task) {
  const out = path.join(TMP, `onmt12-${task}.retort`);
  if (!fs.existsSync(out)) {
    execFileSync(RETORT, ['import', path.join(ROOT, 'fixtures', 'onmt12', 'model_zip.pt'), '-o', out, '--task', task],
      { stdio: 'pipe' });
  }
  return out;
}

/** Largest score / attention deviation seen by assertSame (reported by the tests). */
export const deviation = { score: 0, attention: 0 };

/**
 * Asserts wasm and native predictions agree: tokens equal, attention within `tol` (absolute),
 * scores within `tol` per token. Scores are f64 sums of log-probabilities whose output layer runs
 * in f64 on both hosts, so what remains is the f32 decoder's last bits (FMA natively, none in
 * wasm; which native kernels run depends on the CPU), one such difference per token: a 100-token
 * greedy answer differed by 1.6e-5 on an AMD EPYC, where a flat 1e-5 failed.
 */
export function assertSame(assert, wasm, native, tol, label = '') {
  assert.equal(wasm.length, native.length, `${label}: number of inputs`);
  for (let i = 0; i < wasm.length; i++) {
    const w = wasm[i].predictions, n = native[i].predictions;
    assert.equal(w.length, n.length, `${label} input ${i}: n-best size`);
    for (let k = 0; k < w.length; k++) {
      assert.deepEqual(w[k].tokens, n[k].tokens, `${label} input ${i} rank ${k}: tokens`);
      const d = Math.abs(w[k].score - n[k].score);
      deviation.score = Math.max(deviation.score, d);
      assert.ok(d <= tol * Math.max(1, n[k].tokens.length),
        `${label} input ${i} rank ${k}: score ${w[k].score} vs native ${n[k].score}`);
      if (n[k].attention) {
        const a = w[k].attention;
        assert.equal(a.rows, n[k].attention.length, `${label} input ${i} rank ${k}: attention rows`);
        assert.equal(a.cols, n[k].attention[0].length, `${label} input ${i} rank ${k}: attention cols`);
        n[k].attention.forEach((row, r) => row.forEach((v, c) => {
          const da = Math.abs(a.data[r * a.cols + c] - v);
          if (da > deviation.attention) deviation.attention = da;
          if (da > tol) {
            assert.fail(`${label} input ${i} rank ${k}: attention[${r}][${c}] ${a.data[r * a.cols + c]} vs ${v}`);
          }
        }));
      }
    }
  }
}
