// The page: input chemistry with RDKit.js (main thread), the engine in a Web Worker.
import { assetBytes, assetUrl, fetchAsset, loadManifest, pruneAssetCache } from './assets.mjs';
import { atomCount, attendedAtoms, stepOfAtom } from './atoms.mjs';

const $ = (id) => document.getElementById(id);
const state = { info: null, last: null, selected: 0, rows: [], reactants: '', rdkit: null, builtIn: true, task: null, manifest: null };
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
  if (m.type === 'progress' || m.type === 'download') { p.progress?.(m); return; }
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
function showWarning(msg) { const e = $('warning'); e.textContent = msg; e.hidden = !msg; }
function status(msg) { $('status').textContent = msg; }
// Sequence probabilities span many orders of magnitude (a toy model's 5th best is often
// 1e-8), so below 0.1 % they are written as a power of ten instead of rounding to 0.000 %.
const SUP = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
function pct(p) {
  const x = p * 100;
  if (x >= 0.1 || x === 0) return `${x.toFixed(x >= 1 || x === 0 ? 1 : 2)}%`;
  const [m, e] = x.toExponential(1).split('e');
  return `${m}×10${[...String(+e)].map((c) => SUP[c]).join('')}%`;
}
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
function esc(s) { return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }
function dl(el, pairs) {
  el.innerHTML = pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
}

// ---------- chemistry (RDKit.js) ----------
function withMol(smiles, fn, details = '') {
  const mol = state.rdkit.get_mol(smiles, details);
  if (!mol) return null;
  try { return mol.is_valid() ? fn(mol) : null; } finally { mol.delete(); }
}
const canonical = (smi) => withMol(smi, (m) => m.get_smiles(JSON.stringify({ doIsomericSmiles: false })));
// As the seed prepared its data: each '.'-separated part parsed, stereo removed, canonical SMILES.
function prepareReactants(text) {
  const parts = text.trim().split('.').map((s) => s.trim());
  const { part } = state.task;
  if (!text.trim()) throw new Error(`Enter ${part} SMILES first.`);
  return parts.map((p, i) => {
    const c = p ? canonical(p) : null;
    if (!c) throw new Error(`Cannot parse ${part} ${parts.length > 1 ? `${i + 1} ` : ''}'${p}' as SMILES. Check brackets, ring closures and atom symbols.`);
    return c;
  }).join('.');
}
// A drawing whose every atom carries a transparent highlight disc (RDKit draws it as
// <ellipse class="atom-N"> centred on the atom): the discs are the hover targets of the
// product and the marks on the reactants. Explicit hydrogens stay atoms, as they are tokens.
const KEEP_HS = JSON.stringify({ removeHs: false });
function atomDrawing(smi, width, height) {
  return withMol(smi, (m) => {
    const n = m.get_num_atoms();
    const clear = Object.fromEntries(Array.from({ length: n }, (_, k) => [k, [1, 1, 1, 0]]));
    return { atoms: n, svg: m.get_svg_with_highlights(JSON.stringify({
      width, height, atoms: [...Array(n).keys()], bonds: [], highlightAtomColors: clear })) };
  }, KEEP_HS);
}

// ---------- what the model does ----------
// Labels follow the model: the bundle's metadata says its task (`retort import --task`);
// without one, the built-ins are known by name and a bundle from disk gets neutral words.
// oneMolecule: the model that expects a single molecule (a '.'-separated input gets a warning).
const TASKS = {
  reaction: { input: "Reactants (SMILES, '.'-separated)", placeholder: 'e.g. CC(=O)Cl.NCc1ccccc1', part: 'reactant',
    output: 'Predicted product', drawing: 'Reaction', from: 'reactants', to: 'product' },
  analogue: { input: 'Molecule (SMILES)', placeholder: 'e.g. COc1ccc(S(=O)[O-])cc1', part: 'molecule', oneMolecule: 'ANNalog',
    output: 'Generated analogue', drawing: 'Molecule and analogue', from: 'input molecule', to: 'analogue' },
  retro: { input: 'Product (SMILES)', placeholder: 'e.g. CC(=O)NCc1ccccc1', part: 'product part',
    output: 'Predicted reactants', drawing: 'Product and reactants', from: 'product', to: 'reactants' },
  generic: { input: 'Input (SMILES)', placeholder: 'SMILES', part: 'input part',
    output: 'Prediction', drawing: 'Input and prediction', from: 'input', to: 'prediction' },
};
const TASK_OF_BUNDLE = { reaction_prediction: 'reaction', retrosynthesis: 'retro', analogue_generation: 'analogue' };
function setTask(name, info) {
  const stated = info && TASK_OF_BUNDLE[info.task];
  const t = state.task = { ...TASKS[info && info.task ? stated || 'generic' : name] };
  if (t.oneMolecule && stated) t.oneMolecule = info.name || 'This model';
  $('smiles-label').textContent = t.input;
  $('smiles').placeholder = t.placeholder;
  $('output-label').textContent = t.output;
  $('drawing-title').textContent = t.drawing;
  showWarning('');
  clearResults();
}

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
// Results belong to the input they answer: an edit marks them stale (dimmed, with a note
// naming their input) until the next prediction; an error clears them.
const inputKey = () => JSON.stringify([$('smiles').value.trim(), $('beam').value, $('nbest').value, $('attn-kind').value]);
function markStale() {
  const stale = !!state.last && inputKey() !== state.last.key;
  document.body.classList.toggle('stale', stale);
  $('stale-note').hidden = !stale;
  if (stale) {
    $('stale-note').innerHTML = `Stale: these results answer <code>${esc(state.last.text)}</code> ` +
      `(beam ${state.last.options.beam_size}, n-best ${state.last.options.n_best}), not the input above. Press Predict to update.`;
  }
}
function clearResults() {
  state.last = null;
  state.rows = [];
  $('results').tBodies[0].innerHTML = '';
  $('timing').textContent = '';
  $('model-input').textContent = '—';
  const t = state.task;
  $('drawing').innerHTML = `<p class="muted">Run a prediction to see the ${t.from} and the selected ${t.to}.</p>`;
  $('heatmap').innerHTML = '<p class="muted">The attention map of the selected prediction appears here.</p>';
  markStale();
}
function failed(msg) { clearResults(); showError(msg); }

async function predict() {
  showError('');
  showWarning('');
  const key = inputKey(), text = $('smiles').value.trim();
  let input;
  try { input = prepareReactants($('smiles').value); } catch (e) { failed(e.message); $('smiles').focus(); return; }
  const parts = input.split('.').length;
  if (state.task.oneMolecule && parts > 1) {
    showWarning(`${state.task.oneMolecule} generates analogues of one molecule; this input has ${parts} '.'-separated parts, ` +
      'a mixture it was not trained on. Its predictions are unlikely to mean much.');
  }
  state.reactants = input;
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
    state.last = { ...r.result[0], options, input, key, text };
    // Canonical SMILES (RDKit) once per prediction: validity, drawing and duplicate merging.
    for (const p of state.last.predictions) p.canonical = canonical(p.text.replace(/ /g, ''));
    $('model-input').textContent = input;
    state.timings.predict_ms = r.ms;
    showTimings();
    $('timing').textContent = `${fmtMs(r.ms)} · beam ${options.beam_size}`;
    renderResults(true);
    markStale();
    status(`Done: ${state.last.predictions.length} prediction(s).`);
  } catch (e) {
    failed(e.message);
    status('');
  } finally {
    $('predict').disabled = false;
  }
}

// The rows shown: the model's n-best in rank order, optionally without invalid SMILES and with
// the spellings of one molecule merged (probabilities summed: the model's total for that molecule).
function viewRows(preds) {
  const hide = $('hide-invalid').checked, merge = $('merge-dups').checked;
  const rows = [], byMol = new Map();
  preds.forEach((p, i) => {
    if (hide && !p.canonical) return;
    const prob = Math.exp(p.score);
    const first = p.canonical ? byMol.get(p.canonical) : undefined;
    if (first && merge) { first.ranks.push(i + 1); first.prob += prob; return; }
    const row = { i, ranks: [i + 1], prob, dupOf: first?.i };
    if (p.canonical && !first) byMol.set(p.canonical, row);
    rows.push(row);
  });
  return rows;
}

// fresh: a new prediction, whose default selection is the best valid row (an invalid SMILES
// cannot be drawn and is seldom what anyone wants first); a view toggle keeps the selection.
function renderResults(fresh = false) {
  const preds = state.last.predictions;
  const tbody = $('results').tBodies[0];
  tbody.innerHTML = '';
  state.rows = viewRows(preds);
  state.rows.forEach((row, j) => {
    const p = preds[row.i];
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.dataset.rank = row.i + 1;
    const smi = p.canonical || p.text.replace(/ /g, '');
    const tag = row.ranks.length > 1 ? `<span class="tag">ranks ${row.ranks.join(', ')}</span>`
      : row.dupOf !== undefined ? `<span class="tag">same molecule as #${row.dupOf + 1}</span>` : '';
    tr.innerHTML = `<td class="num">${row.i + 1}</td><td class="smi">${esc(smi)}${tag}</td>` +
      `<td class="num prob" title="${row.prob}">${pct(row.prob)}<span class="bar" style="width:${Math.max(1, row.prob * 60)}px"></span></td>` +
      `<td class="num score">${p.score.toFixed(4)}</td>` +
      `<td class="${p.canonical ? 'ok' : 'bad'} valid">${p.canonical ? 'valid' : 'invalid'}</td>`;
    tr.addEventListener('click', () => select(row.i));
    tr.addEventListener('keydown', (e) => {
      const k = { ArrowDown: j + 1, ArrowUp: j - 1 }[e.key];
      if (k !== undefined && state.rows[k]) { select(state.rows[k].i, true); e.preventDefault(); }
    });
    tbody.appendChild(tr);
  });
  if (state.rows.length) {
    const kept = !fresh && state.rows.find((r) => r.i === state.selected);
    select((kept || state.rows.find((r) => preds[r.i].canonical) || state.rows[0]).i);
  } else {
    tbody.innerHTML = `<tr class="none"><td colspan="5" class="muted">All ${preds.length} predictions are invalid SMILES; untick “hide invalid” to see them.</td></tr>`;
    $('drawing').innerHTML = '<p class="muted">No valid prediction to draw.</p>';
    $('heatmap').innerHTML = '';
  }
  if (!performance.getEntriesByName('first-result').length) performance.mark('first-result');
}

function select(i, focus = false) {
  state.selected = i;
  const rows = [...$('results').tBodies[0].rows];
  rows.forEach((r) => r.classList.toggle('selected', +r.dataset.rank === i + 1));
  if (focus) rows.find((r) => +r.dataset.rank === i + 1)?.focus();
  const p = state.last.predictions[i];
  drawReaction(state.last.input, p);
  drawHeatmap(state.last.source_tokens, p);
}

function drawReaction(reactants, p) {
  const t = state.task;
  // The caption matches the selected row: a merged row's ranks and summed probability.
  const row = state.rows.find((w) => w.i === state.selected);
  const r = atomDrawing(reactants, 300, 210);
  // The prediction as the model spelled it (not its canonical form): its atoms are then
  // numbered in the order of the predicted tokens, which the attention rows follow.
  const prod = p.canonical ? atomDrawing(p.text.replace(/ /g, ''), 210, 210) : null;
  $('drawing').innerHTML =
    `<div class="mol reactants">${r ? r.svg : `<p class="bad">${t.from} cannot be drawn</p>`}<div class="cap">${t.from}</div></div>` +
    `<div class="arrow" aria-hidden="true">→</div>` +
    `<div class="mol product">${prod ? prod.svg : `<p class="bad">prediction ${state.selected + 1} is not a valid molecule</p>`}` +
    `<div class="cap">${row.ranks.length > 1 ? `predictions ${row.ranks.join(', ')}` : `prediction ${row.i + 1}`} · ${pct(row.prob)}</div></div>`;
  $('atom-note').textContent = '';
  if (r && prod) wireAtomAttention(r, prod, p);
}

// ---------- atom-level attention ----------
// Hovering (or tapping) an atom of the prediction marks the input atoms its token attended to
// most: the disc's opacity and size follow the weight. The page also states them in
// data-attended ("atom:weight,...") on the input drawing, and in a note under the drawings.
const ATTENDED_TOP = 3;
function wireAtomAttention(src, tgt, p) {
  const srcTokens = state.last.source_tokens;
  const note = $('atom-note');
  const srcAtoms = atomCount(srcTokens), tgtAtoms = atomCount(p.tokens);
  if (!p.attention || srcAtoms !== src.atoms || tgtAtoms !== tgt.atoms) {
    // A tokenizer whose tokens are not SMILES atoms (or explicit hydrogens RDKit would not
    // keep) breaks the token-to-atom correspondence: say so rather than mark wrong atoms.
    note.textContent = p.attention ? `Atom-level attention unavailable: the tokens spell ${srcAtoms} and ${tgtAtoms} atoms, ` +
      `the drawings have ${src.atoms} and ${tgt.atoms}.` : '';
    return;
  }
  const box = $('drawing');
  const srcDiv = box.querySelector('.reactants'), tgtDiv = box.querySelector('.product');
  const spots = (div) => [...div.querySelectorAll('svg ellipse')].filter((e) => /^atom-\d+$/.test(e.getAttribute('class')));
  for (const div of [srcDiv, tgtDiv]) {
    for (const e of spots(div)) {
      e.classList.add('atom-spot');
      e.dataset.atom = e.getAttribute('class').match(/\d+/)[0];
      e.dataset.rx = e.getAttribute('rx');
      e.dataset.ry = e.getAttribute('ry');
    }
  }
  tgtDiv.classList.add('hoverable');
  note.textContent = `Hover or tap an atom of the ${state.task.to} to see which atoms of the ${state.task.from} it attends to.`;
  const srcOffset = state.info.spec.special.src_bos != null ? 1 : 0;
  const clear = () => {
    for (const e of srcDiv.querySelectorAll('.atom-spot')) {
      e.style.fill = e.style.stroke = 'transparent';
      e.setAttribute('rx', e.dataset.rx);
      e.setAttribute('ry', e.dataset.ry);
      delete e.dataset.weight;
    }
    for (const e of tgtDiv.querySelectorAll('.atom-spot.hover')) e.classList.remove('hover');
    delete srcDiv.dataset.attended;
    delete tgtDiv.dataset.hoverAtom;
  };
  const show = (spot) => {
    clear();
    const atom = +spot.dataset.atom;
    const step = stepOfAtom(p.tokens, atom);
    const top = attendedAtoms(p.attention, step, srcTokens, srcOffset, ATTENDED_TOP);
    spot.classList.add('hover');
    tgtDiv.dataset.hoverAtom = atom;
    srcDiv.dataset.attended = top.map((a) => `${a.atom}:${a.weight.toFixed(4)}`).join(',');
    const max = top.length ? top[0].weight : 1;
    for (const { atom: a, weight } of top) {
      const e = srcDiv.querySelector(`.atom-spot[data-atom="${a}"]`);
      const rel = weight / max;
      e.style.fill = e.style.stroke = `rgba(230, 81, 0, ${(0.25 + 0.6 * rel).toFixed(3)})`;
      e.setAttribute('rx', (e.dataset.rx * (0.6 + 0.5 * rel)).toFixed(1));
      e.setAttribute('ry', (e.dataset.ry * (0.6 + 0.5 * rel)).toFixed(1));
      e.dataset.weight = weight.toFixed(4);
    }
    const name = (tokens, k) => tokens[k].replace(/^\[|\]$/g, '');
    const t = state.task;
    note.textContent = `${t.to[0].toUpperCase()}${t.to.slice(1)} atom ${atom + 1} (${name(p.tokens, step)}, token ${step + 1}) attends most to ` +
      (top.length ? `atom${top.length > 1 ? 's' : ''} ${top.map((a) => `${a.atom + 1} (${pct(a.weight)})`).join(', ')} of the ${t.from}.` : `no atom of the ${t.from}.`);
  };
  tgtDiv.addEventListener('mouseover', (e) => { const spot = e.target.closest('.atom-spot'); if (spot) show(spot); });
  tgtDiv.addEventListener('click', (e) => { const spot = e.target.closest('.atom-spot'); if (spot) show(spot); });
  tgtDiv.addEventListener('mouseleave', clear);
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
  if ($('examples').value) { $('smiles').value = $('examples').value; $('smiles').focus(); markStale(); }
});
for (const id of ['smiles', 'beam', 'nbest', 'attn-kind']) $(id).addEventListener('input', markStale);
for (const id of ['hide-invalid', 'merge-dups']) $(id).addEventListener('change', () => state.last && renderResults());
$('bundle-file').addEventListener('change', async () => {
  const f = $('bundle-file').files[0];
  if (!f) return;
  showError('');
  status(`Loading ${f.name}…`);
  try {
    const bytes = await f.arrayBuffer();
    const r = await call('load', { bytes }, null, [bytes]);
    state.builtIn = false;
    setTask('generic', r.info);
    showModel(r.info, r.timings);
    applyDefaults(r.defaults);
    status(`Loaded ${f.name} (${(f.size / 1048576).toFixed(1)} MB).`);
  } catch (e) {
    showError(`Could not load ${f.name}: ${e.message}`);
    status('');
  }
});
// The built-in models: the toy reaction model and ANNalog, each with its own examples
// (manifest names; the bundles are fetched and cached by the worker).
const BUILT_IN = {
  default: { bundle: 'default.retort', examples: 'examples.json' },
  annalog: { bundle: 'annalog.retort', examples: 'annalog-examples.json' },
};
async function fillExamples(name) {
  const resp = await fetch(assetUrl(state.manifest, name));
  if (!resp.ok) throw new Error(`fetching ${name}: HTTP ${resp.status}`);
  const ex = await resp.json();
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
  expectDownloads([m.bundle]);
  const r = await call('load', { asset: m.bundle }, (d) => downloaded(d.name, d.read, d.wire));
  state.builtIn = name === 'default';
  $('model-choice').value = name;
  setTask(name === 'annalog' ? 'analogue' : 'reaction', r.info);
  await fillExamples(m.examples);
  showModel(r.info, r.timings);
  applyDefaults(r.defaults);
  status(`${r.info.name || name} loaded.`);
}

// ---------- download progress ----------
// One bar for the large downloads in flight (engine, bundle, RDKit.js), in bytes on the wire:
// each asset's decoded fraction (streamed bytes over the manifest's size) times its transfer
// size (Content-Length: compressed when the host compresses; 0 when it comes from the cache).
// Until its response arrives, an asset counts at its uncompressed size.
const downloads = new Map();
function expectDownloads(names) {
  for (const name of names) {
    const total = assetBytes(state.manifest, name);
    downloads.set(name, { read: 0, total, wire: total });
  }
  showDownloads();
}
function downloaded(name, read, wire) {
  const d = downloads.get(name);
  if (d) { d.read = read; d.wire = wire; showDownloads(); }
}
const mb = (n) => (n / 1048576).toFixed(1);
function showDownloads() {
  let got = 0, wire = 0, done = true;
  for (const d of downloads.values()) {
    got += (d.read / d.total) * d.wire;
    wire += d.wire;
    done &&= d.read >= d.total;
  }
  const box = $('download');
  if (done) { downloads.clear(); box.hidden = true; return; }
  box.hidden = false;
  $('download-bar').max = wire;
  $('download-bar').value = got;
  $('download-text').textContent = `Downloading ${mb(got)} of ${mb(wire)} MB`;
}

$('model-choice').addEventListener('change', () => useBuiltIn($('model-choice').value).catch((e) => showError(e.message)));
$('reset-model').addEventListener('click', () => useBuiltIn('default').catch((e) => showError(e.message)));
function applyDefaults(d) {
  $('beam').value = Math.min(d.beam_size, 10);
  $('nbest').value = Math.min(d.n_best, +$('beam').value);
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.onload = resolve;
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(el);
  });
}
// RDKit.js: its glue as a script, its wasm through the asset cache (with progress).
async function startRDKit() {
  const [, wasm] = await Promise.all([
    loadScript(assetUrl(state.manifest, 'RDKit_minimal.js')),
    fetchAsset(state.manifest, 'RDKit_minimal.wasm', (read, total, wire) => downloaded('RDKit_minimal.wasm', read, wire)),
  ]);
  // This RDKit.js build ignores Module.wasmBinary; its instantiateWasm hook takes our bytes.
  state.rdkit = await window.initRDKitModule({
    instantiateWasm: (imports, done) => {
      WebAssembly.instantiate(wasm.bytes, imports).then((r) => done(r.instance), (e) => showError(`RDKit.js failed: ${e.message}`));
      return {};
    },
  });
}

async function main() {
  setTask('reaction');
  const t0 = performance.now();
  try {
    state.manifest = await loadManifest(new URL('.', location.href));
    expectDownloads(['retort_wasm_bg.wasm', 'default.retort', 'RDKit_minimal.wasm']);
    const rdkitReady = startRDKit().then(() => performance.now() - t0);
    const engineReady = call('init', { manifest: state.manifest }, (d) => downloaded(d.name, d.read, d.wire));
    const [r, rdkit_ms] = await Promise.all([engineReady, rdkitReady, fillExamples(BUILT_IN.default.examples)]);
    state.timings = {};
    showModel(r.info, { ...r.timings, rdkit_ms });
    $('predict').disabled = false;
    status(`Ready (engine ${r.version}, page ready in ${fmtMs(performance.now() - t0)}).`);
    document.body.dataset.ready = '1';
    pruneAssetCache(state.manifest).catch(() => {});
    // Shareable links: ?smiles=...&beam=5&nbest=3 predicts right away.
    const q = new URLSearchParams(location.search);
    if (q.get('beam')) $('beam').value = q.get('beam');
    if (q.get('nbest')) $('nbest').value = q.get('nbest');
    if (q.get('smiles')) { $('smiles').value = q.get('smiles'); predict(); }
  } catch (e) {
    $('download').hidden = true;
    showError(`Startup failed: ${e.message}`);
  }
}
main();
