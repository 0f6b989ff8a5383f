// Benchmark: sentences/s of the wasm engine (under node, V8 like Chromium) vs the native CLI
// (`retort bench --json`, 1 thread) on the same inputs and options, and the time to first
// prediction from a cold page load in headless Chromium (navigation start -> first result row).
// Usage: node web/bench.mjs [--model BUNDLE] [--inputs N] [--beam 5,1] [--repeat 3] [--no-page]
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { PKG, RETORT, TMP, loadWasm } from './test/helpers.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const model = arg('model', path.join(PKG, 'default.retort'));
const n = +arg('inputs', 40);
const beams = arg('beam', '5,1').split(',').map(Number);
const repeat = +arg('repeat', 3);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const { examples } = JSON.parse(fs.readFileSync(path.join(PKG, 'examples.json'), 'utf8'));
const inputs = Array.from({ length: n }, (_, i) => examples[i % examples.length]);
const inputFile = path.join(TMP, 'bench-inputs.txt');
fs.writeFileSync(inputFile, inputs.join('\n') + '\n');

// Native, single thread (wasm has one).
const native = JSON.parse(execFileSync(RETORT, ['bench', '-m', model, '--input', inputFile,
  '--beam-size', beams.join(','), '--threads', '1', '--repeat', `${repeat}`, '--json'], { encoding: 'utf8' }));
const s = native.settings;

// Wasm, same settings.
const wasm = await loadWasm();
let t0 = performance.now();
const engine = new wasm.Retort(fs.readFileSync(model));
const wasmLoad = performance.now() - t0;
const rows = [];
for (const beam of beams) {
  const opts = { beam_size: beam, n_best: Math.min(s.n_best, beam), batch_size: s.batch_size, max_length: s.max_length };
  engine.translate(inputs.slice(0, s.batch_size), opts); // warm-up, like the native bench
  const times = [];
  for (let r = 0; r < repeat; r++) {
    t0 = performance.now();
    engine.translate(inputs, opts);
    times.push((performance.now() - t0) / 1000);
  }
  const nat = native.runs.find((x) => x.beam_size === beam);
  const wasmSps = inputs.length / median(times);
  rows.push({ beam, wasm_sps: wasmSps, native_sps: nat.sentences_per_s, ratio: nat.sentences_per_s / wasmSps });
}

console.log(`model: ${native.model.name} (${native.model.parameters} parameters), ${inputs.length} inputs, ` +
  `batch ${s.batch_size}, n_best ${s.n_best}, max_length ${s.max_length}, median of ${repeat}`);
console.log(`load: wasm ${wasmLoad.toFixed(0)} ms, native ${(native.model.load_s * 1000).toFixed(0)} ms`);
console.log('beam  wasm sent/s  native sent/s (1 thread)  native/wasm');
for (const r of rows) {
  console.log(`${String(r.beam).padStart(4)}  ${r.wasm_sps.toFixed(1).padStart(11)}  ${r.native_sps.toFixed(1).padStart(24)}  ${r.ratio.toFixed(2).padStart(11)}x`);
}

if (!process.argv.includes('--no-page')) {
  const { startPage } = await import('./test/browser.mjs');
  const ctx = await startPage(); // fresh profile: nothing cached
  const results = [];
  for (const run of ['cold', 'warm (engine, RDKit.js and bundle in the Cache API)']) {
    await ctx.page.goto(`${ctx.url}?smiles=${encodeURIComponent(examples[0])}&beam=5&nbest=5`);
    await ctx.page.waitForSelector('#results tbody tr', { timeout: 120000 });
    results.push([run, await ctx.page.evaluate(() => performance.getEntriesByName('first-result')[0].startTime)]);
  }
  await ctx.close();
  for (const [run, ms] of results) console.log(`time to first prediction, ${run} page load (navigation start -> first result row): ${ms.toFixed(0)} ms`);
}
