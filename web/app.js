// The page: input chemistry with RDKit.js (main thread), the engine in a Web Worker.
const $ = (id) => document.getElementById(id);
const state = { info: null, last: null, selected: 0, reactants: '', rdkit: null, builtIn: true };
// For tests and the benchmark (read-only use).
window.__retort = state;

// ---------- worker RPC ----------
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
const pending = new Map();
worker.onmessage = (ev) => {
  const m = ev.data;
  const p = pending.get(m.id);
  if (!p) return;
  if (m.type === 'progress') { p.progress?.(m.done, m.total); return; }
  pending.delete(m.id);
  m.ok ? p.resolve(m) : p.reject(new Error(m.error));
};
worker.onerror = (e) => showError(`engine worker failed: ${e.message || e}`);
function call(type, payload = {}, progress, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, progress });
    worker.postMessage({ id, type, ...payload }, transfer);
  });
}

// ---------- helpers ----------
function showError(msg) { const e = $('error'); e.textContent = msg; e.hidden = !msg; }
function status(msg) { $('status').textContent = msg; }
const pct = (p) => `${(p * 100).toFixed(p < 0.001 ? 3 : 1)}%`;
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
function esc(s) { return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }
function dl(el, pairs) {
  el.innerHTML = pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
}

// ---------- chemistry (RDKit.js) ----------
function withMol(smiles, fn) {
  const mol = state.rdkit.get_mol(smiles);
  if (!mol) return null;
  try { return mol.is_valid() ? fn(mol) : null; } finally { mol.delete(); }
}
const canonical = (smi) => withMol(smi, (m) => m.get_smiles(JSON.stringify({ doIsomericSmiles: false })));
// As the seed prepared its data: each '.'-separated part parsed, stereo removed, canonical SMILES.
function prepareReactants(text) {
  const parts = text.trim().split('.').map((s) => s.trim());
  if (!text.trim()) throw new Error('Enter reactant SMILES first.');
  return parts.map((p, i) => {
    const c = p ? canonical(p) : null;
    if (!c) throw new Error(`Cannot parse reactant ${parts.length > 1 ? `${i + 1} ` : ''}'${p}' as SMILES. Check brackets, ring closures and atom symbols.`);
    return c;
  }).join('.');
}
const svgOf = (smi, w, h) => withMol(smi, (m) => m.get_svg(w, h));

// ---------- model ----------
function showModel(info, timings) {
  state.info = info;
  const toy = state.builtIn;
  const badge = $('model-badge');
  badge.textContent = `${info.name || 'unnamed model'}${toy ? ' — toy model, not for real chemistry' : ''}`;
  badge.classList.toggle('toy', toy);
  const s = info.spec;
  dl($('model-info'), [
    ['name', info.name || '—'],
    ['note', toy ? 'Built-in toy: 2+2 layers, d 64, trained for minutes on a few thousand reactions. Load a real bundle for useful predictions.' : modelNote(info)],
    ['shape', `${s.encoder_layers}+${s.decoder_layers} layers, d ${s.d_model}, ${s.heads} heads, ff ${s.ff}`],
    ['parameters', info.parameters.toLocaleString()],
    ['vocab (src / tgt)', `${info.src_vocab_size} / ${info.tgt_vocab_size}`],
    ['tokenizer', info.tokenizer_kind],
    ['source', `${info.provenance.source_format} — ${info.provenance.source_name}`],
    ['imported by', info.provenance.imported_by],
    ['engine', info.host],
  ]);
  if (timings) state.timings = { ...state.timings, ...timings };
  showTimings();
}
// Where a non-toy model came from; licence notices travel in the bundle's provenance notes.
function modelNote(info) {
  const notes = (info.provenance.notes || []).join(' ');
  if ($('model-choice').value === 'annalog' && /annalog/i.test(info.name || '')) {
    return `Built-in: generates analogues of one input molecule. ${notes}`.trim();
  }
  return notes ? `loaded from your disk. ${notes}` : 'loaded from your disk';
}
function showTimings() {
  const t = state.timings || {};
  dl($('timings'), [
    ['engine start', t.wasm_ms !== undefined ? fmtMs(t.wasm_ms) : undefined],
    ['bundle fetch', t.fetch_ms !== undefined ? `${fmtMs(t.fetch_ms)}${t.cached ? ' (from cache)' : ''}` : undefined],
    ['model load', t.load_ms !== undefined ? fmtMs(t.load_ms) : undefined],
    ['RDKit start', t.rdkit_ms !== undefined ? fmtMs(t.rdkit_ms) : undefined],
    ['last prediction', t.predict_ms !== undefined ? fmtMs(t.predict_ms) : undefined],
  ]);
}

// ---------- prediction ----------
async function predict() {
  showError('');
  let input;
  try { input = prepareReactants($('smiles').value); } catch (e) { showError(e.message); $('smiles').focus(); return; }
  state.reactants = input;
  $('model-input').textContent = input;
  const options = {
    beam_size: +$('beam').value || 1,
    n_best: +$('nbest').value || 1,
    return_attention: true,
    attention: $('attn-kind').value,
  };
  $('predict').disabled = true;
  status('Predicting…');
  try {
    const r = await call('translate', { inputs: [input], options });
    state.last = { ...r.result[0], options, input };
    state.timings.predict_ms = r.ms;
    showTimings();
    $('timing').textContent = `${fmtMs(r.ms)} · beam ${options.beam_size}`;
    renderResults();
    status(`Done: ${state.last.predictions.length} prediction(s).`);
  } catch (e) {
    showError(e.message);
    status('');
  } finally {
    $('predict').disabled = false;
  }
}

function renderResults() {
  const tbody = $('results').tBodies[0];
  tbody.innerHTML = '';
  state.last.predictions.forEach((p, i) => {
    const smi = p.text.replace(/ /g, '');
    const canon = canonical(smi);
    p.canonical = canon;
    const prob = Math.exp(p.score);
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.dataset.rank = i + 1;
    tr.innerHTML = `<td class="num">${i + 1}</td><td class="smi">${esc(canon || smi)}</td>` +
      `<td class="num prob">${pct(prob)}<span class="bar" style="width:${Math.max(1, prob * 60)}px"></span></td>` +
      `<td class="num score">${p.score.toFixed(4)}</td>` +
      `<td class="${canon ? 'ok' : 'bad'} valid">${canon ? 'valid' : 'invalid'}</td>`;
    tr.addEventListener('click', () => select(i));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' && i + 1 < state.last.predictions.length) { select(i + 1, true); e.preventDefault(); }
      if (e.key === 'ArrowUp' && i > 0) { select(i - 1, true); e.preventDefault(); }
    });
    tbody.appendChild(tr);
  });
  select(0);
  if (!performance.getEntriesByName('first-result').length) performance.mark('first-result');
}

function select(i, focus = false) {
  state.selected = i;
  const rows = [...$('results').tBodies[0].rows];
  rows.forEach((r, j) => r.classList.toggle('selected', j === i));
  if (focus) rows[i].focus();
  const p = state.last.predictions[i];
  drawReaction(state.last.input, p);
  drawHeatmap(state.last.source_tokens, p);
}

function drawReaction(reactants, p) {
  const r = svgOf(reactants, 300, 210);
  const prod = p.canonical ? svgOf(p.canonical, 210, 210) : null;
  $('drawing').innerHTML =
    `<div class="mol reactants">${r || '<p class="bad">reactants cannot be drawn</p>'}<div class="cap">reactants</div></div>` +
    `<div class="arrow" aria-hidden="true">→</div>` +
    `<div class="mol product">${prod || `<p class="bad">prediction ${state.selected + 1} is not a valid molecule</p>`}` +
    `<div class="cap">prediction ${state.selected + 1} · ${pct(Math.exp(p.score))}</div></div>`;
}

// ---------- attention heatmap ----------
// Perceptually ordered colour scale (light yellow -> dark blue), interpolated.
const STOPS = [[255, 255, 217], [199, 233, 180], [65, 182, 196], [34, 94, 168], [8, 29, 88]];
function colour(t) {
  t = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const k = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - k;
  const c = STOPS[k].map((a, j) => Math.round(a + (STOPS[k + 1][j] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function drawHeatmap(sourceTokens, p) {
  const el = $('heatmap');
  const a = p.attention;
  if (!a) { el.innerHTML = '<p class="muted">No attention returned.</p>'; return; }
  const { rows, cols, data } = a;
  // Columns cover the model's source: BOS/EOS the user did not type are labelled.
  const sp = state.info.spec.special;
  const xl = [...(sp.src_bos != null ? ['<s>'] : []), ...sourceTokens];
  while (xl.length < cols) xl.push('</s>');
  const yl = [...p.tokens];
  while (yl.length < rows) yl.push('</s>');
  let max = 0;
  for (const v of data) max = Math.max(max, v);
  const cell = Math.max(11, Math.min(20, Math.floor(640 / Math.max(cols, 1))));
  const left = 44, top = 40, legendH = 34;
  const w = left + cols * cell + 10, h = top + rows * cell + legendH + 10;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="attention heatmap, ${rows} predicted tokens by ${cols} source tokens">`];
  xl.forEach((t, j) => parts.push(`<text x="${left + j * cell + cell / 2}" y="${top - 4}" transform="rotate(-60 ${left + j * cell + cell / 2} ${top - 4})">${esc(t)}</text>`));
  yl.forEach((t, i) => parts.push(`<text x="${left - 4}" y="${top + i * cell + cell * 0.7}" text-anchor="end">${esc(t)}</text>`));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      parts.push(`<rect class="cell" data-r="${i}" data-c="${j}" x="${left + j * cell}" y="${top + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${colour(max > 0 ? v / max : 0)}"/>`);
    }
  }
  // Colour scale.
  const ly = top + rows * cell + 12, lw = Math.min(200, cols * cell);
  parts.push(`<defs><linearGradient id="scale">${STOPS.map((c, k) => `<stop offset="${k / (STOPS.length - 1)}" stop-color="rgb(${c})"/>`).join('')}</linearGradient></defs>`);
  parts.push(`<rect x="${left}" y="${ly}" width="${lw}" height="10" fill="url(#scale)"/>`);
  parts.push(`<text x="${left}" y="${ly + 22}">0</text><text x="${left + lw}" y="${ly + 22}" text-anchor="end">${max.toFixed(3)}</text>`);
  parts.push(`<text x="${left + lw + 8}" y="${ly + 9}">attention weight</text>`);
  parts.push('</svg>');
  el.innerHTML = parts.join('');
  const tip = $('heat-tip');
  const svg = el.querySelector('svg');
  svg.addEventListener('mousemove', (e) => {
    const r = e.target.closest('rect.cell');
    if (!r) { tip.hidden = true; return; }
    const i = +r.dataset.r, j = +r.dataset.c;
    tip.textContent = `predicted '${yl[i]}' (step ${i + 1}) ← source '${xl[j]}' (position ${j + 1}): ${data[i * cols + j].toFixed(4)}`;
    tip.style.left = `${e.clientX + 12}px`;
    tip.style.top = `${e.clientY + 12}px`;
    tip.hidden = false;
  });
  svg.addEventListener('mouseleave', () => { tip.hidden = true; });
}

// ---------- wiring ----------
$('predict-form').addEventListener('submit', (e) => { e.preventDefault(); predict(); });
$('examples').addEventListener('change', () => {
  if ($('examples').value) { $('smiles').value = $('examples').value; $('smiles').focus(); }
});
$('bundle-file').addEventListener('change', async () => {
  const f = $('bundle-file').files[0];
  if (!f) return;
  showError('');
  status(`Loading ${f.name}…`);
  try {
    const bytes = await f.arrayBuffer();
    const r = await call('load', { bytes }, null, [bytes]);
    state.builtIn = false;
    showModel(r.info, r.timings);
    applyDefaults(r.defaults);
    status(`Loaded ${f.name} (${(f.size / 1048576).toFixed(1)} MB).`);
  } catch (e) {
    showError(`Could not load ${f.name}: ${e.message}`);
    status('');
  }
});
// The built-in models: the toy reaction model and ANNalog, each with its own examples.
const BUILT_IN = {
  default: { bundle: 'pkg/default.retort', examples: 'pkg/examples.json' },
  annalog: { bundle: 'pkg/annalog.retort', examples: 'pkg/annalog-examples.json' },
};
async function fillExamples(url) {
  const ex = await (await fetch(url)).json();
  const sel = $('examples');
  sel.querySelectorAll('option:not(:first-child)').forEach((o) => o.remove());
  ex.examples.forEach((s, i) => {
    const o = document.createElement('option');
    o.value = s;
    o.textContent = `${i + 1}. ${s.length > 70 ? `${s.slice(0, 67)}…` : s}`;
    sel.appendChild(o);
  });
}
async function useBuiltIn(name) {
  const m = BUILT_IN[name];
  showError('');
  status('Loading the model…');
  const bytes = await (await fetch(m.bundle)).arrayBuffer();
  const r = await call('load', { bytes }, null, [bytes]);
  state.builtIn = name === 'default';
  $('model-choice').value = name;
  await fillExamples(m.examples);
  showModel(r.info, r.timings);
  applyDefaults(r.defaults);
  status(`${r.info.name || name} loaded.`);
}
$('model-choice').addEventListener('change', () => useBuiltIn($('model-choice').value).catch((e) => showError(e.message)));
$('reset-model').addEventListener('click', () => useBuiltIn('default').catch((e) => showError(e.message)));
function applyDefaults(d) {
  $('beam').value = Math.min(d.beam_size, 10);
  $('nbest').value = Math.min(d.n_best, +$('beam').value);
}

async function main() {
  const t0 = performance.now();
  const rdkitReady = window.initRDKitModule({ locateFile: () => 'pkg/RDKit_minimal.wasm' }).then((m) => {
    state.rdkit = m;
    return performance.now() - t0;
  });
  const examples = fillExamples(BUILT_IN.default.examples);
  try {
    const [r, rdkit_ms] = await Promise.all([call('init'), rdkitReady, examples]);
    state.timings = {};
    showModel(r.info, { ...r.timings, rdkit_ms });
    $('predict').disabled = false;
    status(`Ready (engine ${r.version}, page ready in ${fmtMs(performance.now() - t0)}).`);
    document.body.dataset.ready = '1';
    // Shareable links: ?smiles=...&beam=5&nbest=3 predicts right away.
    const q = new URLSearchParams(location.search);
    if (q.get('beam')) $('beam').value = q.get('beam');
    if (q.get('nbest')) $('nbest').value = q.get('nbest');
    if (q.get('smiles')) { $('smiles').value = q.get('smiles'); predict(); }
  } catch (e) {
    showError(`Startup failed: ${e.message}`);
  }
}
main();
