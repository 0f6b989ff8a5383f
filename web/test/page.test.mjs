// The demo page in real (headless) Chromium: predictions equal the native CLI, heatmap,
// molecule drawings, errors, loading a bundle from disk. Screenshots in web/test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WEB, PKG, cliTranslate, onmt12Bundle } from './helpers.mjs';
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
    assert.ok(Math.abs(parseFloat(r.prob) - 100 * Math.exp(last.predictions[k].score)) < 0.06, `prob ${r.prob}`);
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
});

test('the bundle is kept in the Cache API across reloads', async () => {
  const { page } = ctx;
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
  assert.match(await page.textContent('#timings'), /from cache/);
  const keys = await page.evaluate(async () => (await (await caches.open('retort-models-v1')).keys()).map((r) => r.url));
  assert.equal(keys.length, 1);
  assert.match(keys[0], /default\.retort\?v=/);
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
  await page.screenshot({ path: path.join(ART, 'annalog.png'), fullPage: true });
  await page.selectOption('#model-choice', 'default');
  await page.waitForFunction(() => /Molecular Transformer/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
});
