// The wasm engine (web/pkg, as scripts/test-web.sh builds it) on the benchmark's inputs, in
// node: translate-only time of one batch call after an untimed warm-up on 5 inputs.
// Usage: node bench/wasm_bench.mjs BUNDLE INPUTS COMPUTE_TYPE LIMIT BEAM BATCH MAX_LENGTH
// Prints one JSON line; scripts/bench-wasm.sh compares it with `retort bench --threads 1`.
import fs from 'node:fs';
import { loadWasm } from '../web/test/helpers.mjs';

const [bundle, inputsFile, computeType, limit, beam, batch, maxLength] = process.argv.slice(2);
const wasm = await loadWasm();
const inputs = fs.readFileSync(inputsFile, 'utf8').split('\n').filter(Boolean).slice(0, Number(limit));
const engine = new wasm.Retort(fs.readFileSync(bundle), computeType);
const options = { beam_size: Number(beam), n_best: 1, batch_size: Number(batch), max_length: Number(maxLength) };
engine.translate(inputs.slice(0, 5), options);
const started = performance.now();
engine.translate(inputs, options);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  compute_type: engine.info().compute_type,
  inputs: inputs.length,
  seconds,
  sentences_per_s: inputs.length / seconds,
}));
