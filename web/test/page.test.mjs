// The demo page in real (headless) Chromium: predictions equal the native CLI, heatmap,
// molecule drawings, errors, loading a bundle from disk; stale results, valid-first selection,
// the n-best toggles, tiny probabilities, model-specific labels, phone widths, atom-level
// attention on the drawings.
// Screenshots in web/test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WEB, PKG, cliTranslate, onmt12Bundle, onmt12BundleWithTask } from './helpers.mjs';
import { startPage } from './browser.mjs';

const ART = path.join(WEB, 'test-artifacts');
let ctx;
before(async () => {
  fs.mkdirSync(ART, { recursive: true });
  ctx = await startPage();
  await ctx.page.goto(ctx.url);
  await ctx.page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
});
after(async () => {
  if (ctx) {
    if (process.env.RETORT_WEB_LOGS) console.log(ctx.logs.join('\n'));
    await ctx.close();
  }
});

async function predict(page, { example, smiles, beam = 5, nbest = 5 }) {
  if (example !== undefined) await page.selectOption('#examples', { index: example + 1 });
  if (smiles !== undefined) await page.fill('#smiles', smiles);
  await page.fill('#beam', `${beam}`);
  await page.fill('#nbest', `${nbest}`);
  await page.evaluate(() => { window.__retort.last = null; document.querySelector('#results tbody').innerHTML = ''; });
  await page.press('#smiles', 'Enter');
}

// The table's probability text ('12.3%', '0.42%', '2.4×10⁻⁶%') as a number in percent.
const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
function parseProb(text) {
  const m = text.match(/^([\d.]+)(?:×10(⁻?)([⁰¹²³⁴⁵⁶⁷⁸⁹]+))?%/);
  assert.ok(m, `probability text '${text}'`);
  const e = m[3] ? (m[2] ? -1 : 1) * +[...m[3]].map((c) => SUP.indexOf(c)).join('') : 0;
  return +m[1] * 10 ** e;
}
// Shown to its printed precision: 0.1 point at and above 1 %, two significant digits below.
function assertProb(text, p) {
  const shown = parseProb(text), want = 100 * p;
  const tol = want >= 1 ? 0.051 : want * 0.051;
  assert.ok(Math.abs(shown - want) <= tol, `probability '${text}' vs ${want}%`);
}

const rowsOf = (page) => page.$$eval('#results tbody tr', (trs) => trs.map((tr) => ({
  rank: +tr.dataset.rank, smi: tr.querySelector('.smi')?.textContent, prob: tr.querySelector('.prob')?.textContent,
  valid: tr.querySelector('.valid')?.textContent, selected: tr.classList.contains('selected') })));

test('an example predicts the same n-best and scores as the native CLI', async () => {
  const { page } = ctx;
  await predict(page, { example: 0, beam: 5, nbest: 5 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  const last = await page.evaluate(() => ({
    input: window.__retort.last.input,
    predictions: window.__retort.last.predictions.map((p) => ({ tokens: p.tokens, score: p.score, text: p.text })),
  }));
  assert.equal(await page.textContent('#model-input'), last.input);
  const native = cliTranslate([last.input], ['--beam-size', '5', '--n-best', '5'], path.join(PKG, 'default.retort'))[0];
  assert.equal(last.predictions.length, native.predictions.length);
  last.predictions.forEach((p, k) => {
    assert.deepEqual(p.tokens, native.predictions[k].tokens, `rank ${k + 1} tokens`);
    assert.ok(Math.abs(p.score - native.predictions[k].score) <= 1e-5, `rank ${k + 1} score ${p.score} vs ${native.predictions[k].score}`);
  });
  // The table shows them, with probabilities exp(score).
  const rows = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => ({
    prob: tr.querySelector('.prob').textContent, score: tr.querySelector('.score').textContent, valid: tr.querySelector('.valid').textContent })));
  assert.equal(rows.length, 5);
  rows.forEach((r, k) => {
    assert.equal(r.score, last.predictions[k].score.toFixed(4));
    assertProb(r.prob, Math.exp(last.predictions[k].score));
    assert.match(r.valid, /^(valid|invalid)$/);
  });

  // Heatmap: (predicted tokens + end token) × source cells, with labels.
  const cells = await page.$$eval('#heatmap rect.cell', (rs) => rs.length);
  const top = last.predictions[0];
  const srcLen = await page.evaluate(() => window.__retort.last.source_tokens.length);
  const att = await page.evaluate(() => { const a = window.__retort.last.predictions[0].attention; return { rows: a.rows, cols: a.cols }; });
  assert.equal(att.rows, top.tokens.length + 1);
  assert.ok(att.cols >= srcLen);
  assert.equal(cells, att.rows * att.cols);
  // Hover shows the pair and the weight.
  await page.hover('#heatmap rect.cell[data-r="0"][data-c="0"]');
  assert.match(await page.textContent('#heat-tip'), /predicted '.*' \(step 1\) ← source '.*' \(position 1\): \d\.\d{4}/);

  // Molecule drawings are RDKit SVGs.
  assert.ok((await page.$$('#drawing .reactants svg')).length === 1, 'reactants drawn');
  const valid = rows.findIndex((r) => r.valid === 'valid');
  if (valid >= 0) {
    await page.click(`#results tbody tr:nth-child(${valid + 1})`);
    assert.ok((await page.$$('#drawing .product svg')).length === 1, 'product drawn');
    assert.ok((await page.$$eval('#drawing .product svg path', (p) => p.length)) > 3, 'product svg has bonds');
  }
  await page.screenshot({ path: path.join(ART, 'prediction.png'), fullPage: true });
});

test('keyboard: arrow keys move the selection', async () => {
  const { page } = ctx;
  await page.focus('#results tbody tr:nth-child(1)');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => window.__retort.selected), 1);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.rank), '2');
});

test('a bad SMILES shows a clear error and predicts nothing', async () => {
  const { page } = ctx;
  await predict(page, { smiles: 'CC(=O)Cl.C1CC(' });
  await page.waitForSelector('#error:not([hidden])');
  const msg = await page.textContent('#error');
  assert.match(msg, /Cannot parse reactant 2 'C1CC\(' as SMILES/);
  assert.equal(await page.$$eval('#results tbody tr', (r) => r.length), 0);
  await page.screenshot({ path: path.join(ART, 'bad-smiles.png') });
  // And it clears on the next good input.
  await predict(page, { smiles: 'CC(=O)Cl.OCC', beam: 3, nbest: 2 });
  await page.waitForSelector('#results tbody tr');
  assert.equal(await page.isHidden('#error'), true);
  assert.equal(await page.$$eval('#results tbody tr', (r) => r.length), 2);
});

test('a bundle loaded from disk is used (and a broken one is refused)', async () => {
  const { page } = ctx;
  const broken = path.join(path.dirname(onmt12Bundle()), 'broken.retort');
  fs.writeFileSync(broken, Buffer.from('not a bundle at all'));
  await page.setInputFiles('#bundle-file', broken);
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /Could not load broken\.retort: .*bundle/i);

  const bundle = onmt12Bundle();
  await page.setInputFiles('#bundle-file', bundle);
  await page.waitForFunction(() => /Loaded onmt12\.retort/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
  const info = await page.evaluate(() => window.__retort.info);
  assert.match(info.provenance.source_name, /model_zip\.pt/);
  assert.match(await page.textContent('#model-info'), /loaded from your disk/);
  // A bundle's task is unknown to the page: neutral labels.
  assert.equal(await page.textContent('#output-label'), 'Prediction');
  await predict(page, { smiles: 'CC(=O)Cl.NCc1ccccc1', beam: 4, nbest: 3 });
  await page.waitForSelector('#results tbody tr');
  const last = await page.evaluate(() => ({ input: window.__retort.last.input,
    predictions: window.__retort.last.predictions.map((p) => ({ tokens: p.tokens, score: p.score })) }));
  const native = cliTranslate([last.input], ['--beam-size', '4', '--n-best', '3'], bundle)[0];
  last.predictions.forEach((p, k) => {
    assert.deepEqual(p.tokens, native.predictions[k].tokens);
    assert.ok(Math.abs(p.score - native.predictions[k].score) <= 1e-5);
  });
  await page.screenshot({ path: path.join(ART, 'own-bundle.png'), fullPage: true });

  // A bundle that states its task (`retort import --task retrosynthesis`) is worded by it.
  const retro = onmt12BundleWithTask('retrosynthesis');
  await page.setInputFiles('#bundle-file', retro);
  await page.waitForFunction(() => /Loaded onmt12-retrosynthesis\.retort/.test(document.getElementById('status').textContent),
    null, { timeout: 60000 });
  assert.equal((await page.evaluate(() => window.__retort.info)).task, 'retrosynthesis');
  assert.equal(await page.textContent('#output-label'), 'Predicted reactants');
  assert.equal(await page.textContent('#smiles-label'), 'Product (SMILES)');
});

test('the engine, RDKit.js and the bundle are kept in the Cache API across reloads', async () => {
  const { page } = ctx;
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
  assert.match(await page.textContent('#timings'), /from cache/);
  const keys = await page.evaluate(async () => (await (await caches.open('retort-assets-v1')).keys()).map((r) => r.url));
  const manifest = JSON.parse(fs.readFileSync(path.join(PKG, 'manifest.json'), 'utf8'));
  const want = ['retort_wasm_bg.wasm', 'RDKit_minimal.wasm', 'default.retort'].map((n) => `${ctx.url}pkg/${manifest.files[n].path}`);
  assert.deepEqual([...keys].sort(), [...want].sort());
  assert.equal(await page.evaluate(() => caches.has('retort-models-v1')), false, 'the retired cache is gone');
});

test('ANNalog, the second built-in model, generates the same analogues as the native CLI', async () => {
  const { page } = ctx;
  await page.selectOption('#model-choice', 'annalog');
  await page.waitForFunction(() => /ANNalog/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
  assert.match(await page.textContent('#model-info'), /MIT License/);
  await predict(page, { example: 0, beam: 3, nbest: 3 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  const last = await page.evaluate(() => ({ input: window.__retort.last.input,
    predictions: window.__retort.last.predictions.map((p) => ({ tokens: p.tokens, score: p.score })) }));
  const native = cliTranslate([last.input], ['--beam-size', '3', '--n-best', '3'], path.join(PKG, 'annalog.retort'))[0];
  assert.equal(last.predictions.length, 3);
  last.predictions.forEach((p, k) => {
    assert.deepEqual(p.tokens, native.predictions[k].tokens, `rank ${k + 1} tokens`);
    assert.ok(Math.abs(p.score - native.predictions[k].score) <= 1e-5, `rank ${k + 1} score`);
  });
  // Its tokens are SMILES tokens too (after a BOS column): hovering an analogue atom maps.
  await page.hover('#drawing .product .atom-spot[data-atom="0"]');
  assert.match(await page.textContent('#atom-note'), /^Analogue atom 1 \(.+\) attends most to atoms? \d+ .* of the input molecule\.$/);
  await page.screenshot({ path: path.join(ART, 'annalog.png'), fullPage: true });
  await page.selectOption('#model-choice', 'default');
  await page.waitForFunction(() => /Molecular Transformer/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
});

test('results go stale when the input is edited, and are cleared on an error', async () => {
  const { page } = ctx;
  await predict(page, { example: 0, beam: 3, nbest: 3 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  const text = await page.inputValue('#smiles');
  assert.equal(await page.isHidden('#stale-note'), true);
  // A typo: the old answers are dimmed and say which input they answer.
  await page.fill('#smiles', 'CC(=O)Cl.C1CC(');
  assert.equal(await page.isVisible('#stale-note'), true);
  assert.ok((await page.textContent('#stale-note')).includes(text), 'note names the input the results answer');
  assert.equal(await page.evaluate(() => document.body.classList.contains('stale')), true);
  assert.ok(+(await page.$eval('#drawing', (e) => getComputedStyle(e).opacity)) < 1, 'drawing dimmed');
  assert.match(await page.textContent('.heatmap-panel h2'), /Attention/);
  await page.screenshot({ path: path.join(ART, 'stale.png'), fullPage: true });
  // Typing the old input back makes them current again.
  await page.fill('#smiles', text);
  assert.equal(await page.isHidden('#stale-note'), true);
  // A changed beam width is a different question too.
  await page.fill('#beam', '4');
  assert.equal(await page.isVisible('#stale-note'), true);
  // The typo predicted: an error, and nothing left from the previous input.
  await page.fill('#smiles', 'CC(=O)Cl.C1CC(');
  await page.press('#smiles', 'Enter');
  await page.waitForSelector('#error:not([hidden])');
  assert.equal(await page.$$eval('#results tbody tr', (r) => r.length), 0);
  assert.equal(await page.$$eval('#drawing svg', (r) => r.length), 0);
  assert.equal(await page.$$eval('#heatmap rect.cell', (r) => r.length), 0);
  assert.equal(await page.textContent('#model-input'), '—');
  assert.equal(await page.isHidden('#stale-note'), true);
  assert.equal(await page.evaluate(() => window.__retort.last), null);
});

test('the first selection is the best valid prediction, not rank 1', async () => {
  const { page } = ctx;
  // The toy model's n-best for example 2 leads with invalid SMILES.
  await predict(page, { example: 1, beam: 5, nbest: 5 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  const rows = await rowsOf(page);
  const firstValid = rows.find((r) => r.valid === 'valid');
  assert.ok(firstValid && firstValid.rank > 1, `needs an n-best led by an invalid SMILES: ${JSON.stringify(rows)}`);
  assert.deepEqual(rows.filter((r) => r.selected).map((r) => r.rank), [firstValid.rank]);
  assert.equal(await page.evaluate(() => window.__retort.selected), firstValid.rank - 1);
  assert.equal((await page.$$('#drawing .product svg')).length, 1, 'the product is drawn');
  assert.match(await page.textContent('#drawing .product .cap'), new RegExp(`prediction ${firstValid.rank} `));
});

test('tiny probabilities are readable, never 0.000%', async () => {
  const { page } = ctx;
  await predict(page, { example: 1, beam: 5, nbest: 5 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  const scores = await page.evaluate(() => window.__retort.last.predictions.map((p) => p.score));
  const rows = await rowsOf(page);
  assert.ok(Math.exp(Math.min(...scores)) < 1e-5, 'needs a prediction below 10⁻⁵');
  rows.forEach((r, k) => {
    assert.ok(parseProb(r.prob) > 0, `rank ${k + 1} shows ${r.prob}`);
    assertProb(r.prob, Math.exp(scores[k]));
  });
  assert.ok(rows.some((r) => /^\d\.\d×10⁻[⁰¹²³⁴⁵⁶⁷⁸⁹]+%/.test(r.prob)), 'a power of ten is shown');
});

test('"merge duplicates" and "hide invalid" toggles', async () => {
  const { page } = ctx;
  // Example 7 at beam 10: the toy model writes one molecule twice, and many invalid SMILES.
  await predict(page, { example: 6, beam: 10, nbest: 10 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  const preds = await page.evaluate(() => window.__retort.last.predictions.map((p) => ({ c: p.canonical, p: Math.exp(p.score) })));
  const valid = preds.filter((p) => p.c);
  const distinct = [...new Set(valid.map((p) => p.c))];
  assert.ok(distinct.length < valid.length, 'needs a duplicate');
  assert.ok(valid.length < preds.length, 'needs an invalid prediction');
  // Raw: every prediction, the repeat marked.
  let rows = await rowsOf(page);
  assert.equal(rows.length, preds.length);
  assert.ok(rows.some((r) => /same molecule as #\d+/.test(r.smi)));
  // Merged: one row per molecule, probabilities summed, the ranks listed.
  await page.check('#merge-dups');
  rows = await rowsOf(page);
  assert.equal(rows.length, distinct.length + preds.length - valid.length);
  const dup = distinct.find((c) => valid.filter((p) => p.c === c).length > 1);
  const merged = rows.find((r) => r.smi.startsWith(dup + 'ranks'));
  assert.ok(merged, `merged row for ${dup}`);
  assertProb(merged.prob, valid.filter((p) => p.c === dup).reduce((a, p) => a + p.p, 0));
  await page.click(`#results tbody tr[data-rank="${merged.rank}"]`);
  assert.match(await page.textContent('#drawing .product .cap'), new RegExp(`predictions ${merged.rank}, \\d+ · ${merged.prob.replace('.', '\\.')}`));
  // Hidden invalid: only molecules; the selection is still a valid one.
  await page.check('#hide-invalid');
  rows = await rowsOf(page);
  assert.equal(rows.length, distinct.length);
  assert.ok(rows.every((r) => r.valid === 'valid'));
  assert.equal(rows.filter((r) => r.selected).length, 1);
  await page.screenshot({ path: path.join(ART, 'merged.png'), fullPage: true });
  await page.uncheck('#merge-dups');
  assert.equal((await rowsOf(page)).length, valid.length);
  // An n-best with no valid SMILES at all says so instead of showing an empty table.
  await predict(page, { example: 2, beam: 5, nbest: 5 });
  await page.waitForSelector('#results tbody tr.none', { timeout: 60000 });
  assert.match(await page.textContent('#results tbody'), /All 5 predictions are invalid/);
  await page.uncheck('#hide-invalid');
  assert.equal((await rowsOf(page)).length, 5);
});

test('labels follow the model; ANNalog warns about a multi-part input', async () => {
  const { page } = ctx;
  assert.match(await page.textContent('#smiles-label'), /Reactants/);
  assert.equal(await page.textContent('#output-label'), 'Predicted product');
  await page.selectOption('#model-choice', 'annalog');
  await page.waitForFunction(() => /ANNalog/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
  assert.equal(await page.textContent('#smiles-label'), 'Molecule (SMILES)');
  assert.equal(await page.textContent('#output-label'), 'Generated analogue');
  await predict(page, { smiles: 'CCO.c1ccccc1O', beam: 2, nbest: 2 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  assert.match(await page.textContent('#warning'), /ANNalog generates analogues of one molecule; this input has 2/);
  assert.equal(await page.isVisible('#warning'), true);
  await predict(page, { smiles: 'c1ccccc1O', beam: 2, nbest: 2 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  assert.equal(await page.isHidden('#warning'), true);
  await page.selectOption('#model-choice', 'default');
  await page.waitForFunction(() => /Molecular Transformer/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
  assert.match(await page.textContent('#smiles-label'), /Reactants/);
  assert.equal(await page.$$eval('#results tbody tr', (r) => r.length), 0, 'results of the other model are gone');
});

test('390 px and 360 px wide: no sideways scroll', async () => {
  const { page } = ctx;
  await predict(page, { example: 6, beam: 5, nbest: 5 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  for (const width of [390, 360]) {
    await page.setViewportSize({ width, height: 844 });
    const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
    assert.equal(w.view, width);
    assert.ok(w.scroll <= w.view, `${width} px viewport scrolls to ${w.scroll} px`);
    await page.screenshot({ path: path.join(ART, `narrow-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 960 });
});

// Fixture: the toy default model on 'CN.O=C(Cl)c1ccccc1F' (its canonical form; atoms in SMILES
// order: C0 N1 O2 C3 Cl4 c5-c10 F11). At beam 5 its best valid prediction is rank 2,
// COC(=O)c1cccccc(F)c1, whose fluorine (atom 11, token 16) attends to the reactant's fluorine
// (atom 11, source token 17) with weight ~0.9 (checked against the native CLI's attention).
test('hovering a product atom highlights the reactant atoms it attends to', async () => {
  const { page } = ctx;
  await predict(page, { smiles: 'CN.O=C(Cl)c1ccccc1F', beam: 5, nbest: 5 });
  await page.waitForSelector('#results tbody tr', { timeout: 60000 });
  const last = await page.evaluate(() => ({ input: window.__retort.last.input, selected: window.__retort.selected,
    source: window.__retort.last.source_tokens, pred: window.__retort.last.predictions[window.__retort.selected] }));
  assert.equal(last.input, 'CN.O=C(Cl)c1ccccc1F');
  assert.equal(last.pred.text, 'COC(=O)c1cccccc(F)c1', 'the fixture prediction (rank 2)');
  assert.equal(last.source[17], 'F');
  assert.equal(last.pred.tokens[16], 'F');
  const native = cliTranslate([last.input], ['--beam-size', '5', '--n-best', '5', '--attention'], path.join(PKG, 'default.retort'))[0];
  const want = native.predictions[last.selected].attention[16][17];
  assert.ok(want > 0.8, `fixture: the product F attends to the reactant F (${want})`);

  // Every atom of both drawings has a disc; nothing is marked before a hover.
  assert.equal(await page.$$eval('#drawing .reactants .atom-spot', (e) => e.length), 12);
  assert.equal(await page.$$eval('#drawing .product .atom-spot', (e) => e.length), 13);
  assert.equal(await page.getAttribute('#drawing .reactants', 'data-attended'), null);
  await page.hover('#drawing .product .atom-spot[data-atom="11"]');
  const attended = await page.getAttribute('#drawing .reactants', 'data-attended');
  const top = attended.split(',').map((x) => x.split(':').map(Number));
  assert.equal(top.length, 3, attended);
  assert.equal(top[0][0], 11, `the heaviest is the reactant F: ${attended}`);
  assert.ok(Math.abs(top[0][1] - want) <= 1e-4, `weight ${top[0][1]} vs native ${want}`);
  assert.ok(top[0][1] >= top[1][1] && top[1][1] >= top[2][1]);
  assert.equal(await page.getAttribute('#drawing .product', 'data-hover-atom'), '11');
  // The marked discs are coloured by weight: the heaviest most opaque and largest.
  const marks = await page.$$eval('#drawing .reactants .atom-spot[data-weight]', (es) => es.map((e) => ({
    atom: +e.dataset.atom, fill: e.style.fill, rx: +e.getAttribute('rx') })));
  assert.deepEqual(marks.map((m) => m.atom).sort((a, b) => a - b), top.map((t) => t[0]).sort((a, b) => a - b));
  const alpha = (m) => +m.fill.match(/rgba\(230, 81, 0, ([\d.]+)\)/)[1];
  const heaviest = marks.find((m) => m.atom === 11);
  assert.ok(marks.every((m) => alpha(m) <= alpha(heaviest) && m.rx <= heaviest.rx), JSON.stringify(marks));
  assert.match(await page.textContent('#atom-note'), /^Product atom 12 \(F, token 17\) attends most to atoms 12 \(\d+\.\d%\)/);
  await page.screenshot({ path: path.join(ART, 'atom-attention.png'), fullPage: true });

  // Another atom, another mapping; leaving the drawing clears the marks.
  await page.hover('#drawing .product .atom-spot[data-atom="0"]');
  assert.notEqual(await page.getAttribute('#drawing .reactants', 'data-attended'), attended);
  await page.hover('#results');
  assert.equal(await page.getAttribute('#drawing .reactants', 'data-attended'), null);
  assert.equal(await page.$$eval('#drawing .reactants .atom-spot[data-weight]', (e) => e.length), 0);

  // A phone: tapping does what hovering does.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#drawing .product .atom-spot[data-atom="11"]');
  assert.equal((await page.getAttribute('#drawing .reactants', 'data-attended')).split(',')[0].split(':')[0], '11');
  // Clipped from a full-page shot: scrolling the panel into view would move it under the
  // pointer and end the hover.
  const box = await page.locator('.drawing-panel').boundingBox();
  const scrollY = await page.evaluate(() => window.scrollY);
  await page.screenshot({ path: path.join(ART, 'atom-attention-390.png'), fullPage: true,
    clip: { x: box.x, y: box.y + scrollY, width: box.width, height: box.height } });
  assert.equal((await page.getAttribute('#drawing .reactants', 'data-attended')).split(',')[0].split(':')[0], '11');
  await page.setViewportSize({ width: 1440, height: 960 });
});
