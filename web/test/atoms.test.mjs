// Token-to-atom mapping of the atom-level attention (web/atoms.mjs), checked against RDKit.js:
// the k-th atom token of a SMILES is atom k of the molecule RDKit parses from it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { atomCount, atomIndices, attendedAtoms, isAtomToken, stepOfAtom } from '../atoms.mjs';

// The SMILES tokenizer's split (the Molecular Transformer's regex), for these fixtures.
const tokenize = (s) => s.match(/\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9]/g);

let rdkit;
before(async () => {
  const require = createRequire(import.meta.url);
  rdkit = await require('@rdkit/rdkit')();
});

test('atom tokens are the atoms RDKit numbers, in order, across fragments', () => {
  for (const smi of ['CC(=O)Cl.NCc1ccccc1', 'Brc1ccc([N+](=O)[O-])cc1.[Na+].[H][H]', 'C[C@@H](Cl)c1ncccc1Br', 'O=C1CCCC1.*C%10CC%10']) {
    const tokens = tokenize(smi);
    assert.equal(tokens.join(''), smi);
    const mol = rdkit.get_mol(smi, JSON.stringify({ removeHs: false }));
    try {
      const atoms = JSON.parse(mol.get_json()).molecules[0].atoms;
      assert.equal(atomCount(tokens), atoms.length, smi);
      // Element of atom k = element of the k-th atom token.
      const Z = { C: 6, N: 7, O: 8, Cl: 17, Br: 35, Na: 11, H: 1, '*': 0 };
      const elem = (t) => t.replace(/^\[(\d*)([A-Z][a-z]?|[a-z]+|\*).*$/, '$2').replace(/^[bcnops]$/, (c) => c.toUpperCase());
      atomIndices(tokens).forEach((k, i) => {
        if (k < 0) return;
        const z = atoms[k].z ?? 6;
        assert.equal(Z[elem(tokens[i])], z, `${smi}: token ${i} '${tokens[i]}' is atom ${k}`);
      });
    } finally {
      mol.delete();
    }
  }
});

test('Cl and Br are single atoms; bonds, rings, branches and dots are not atoms', () => {
  assert.deepEqual(['Cl', 'Br', 'C', 'c', '[nH]', '*'].map(isAtomToken), [true, true, true, true, true, true]);
  assert.deepEqual(['(', ')', '=', '#', '1', '%10', '.', '/', '\\'].map(isAtomToken), Array(9).fill(false));
  assert.deepEqual(atomIndices(['C', 'l', 'Cl']), [0, -1, 1], "a lone 'l' is no atom");
  assert.equal(stepOfAtom(tokenize('CC(=O)Cl'), 3), 6);
  assert.equal(stepOfAtom(tokenize('CC'), 5), -1);
});

test('attended atoms: heaviest first, atom columns only, after the BOS column', () => {
  const src = tokenize('CO.Cl'); // C O . Cl -> atoms 0, 1, 2
  // Columns: BOS, C, O, '.', Cl, EOS; row 1 puts most weight on '.', then Cl, then C.
  const attention = { rows: 2, cols: 6, data: Float32Array.from([0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.05, 0.15, 0, 0.5, 0.25, 0.05]) };
  assert.deepEqual(attendedAtoms(attention, 1, src, 1, 3).map((a) => [a.atom, +a.weight.toFixed(2)]), [[2, 0.25], [0, 0.15]],
    "no weight on O; the '.' and the special columns are not atoms");
  assert.deepEqual(attendedAtoms(attention, 1, src, 1, 1).map((a) => a.atom), [2]);
  assert.deepEqual(attendedAtoms(attention, 0, src, 1, 3).map((a) => a.atom), [0, 1, 2], 'ties by atom index');
  assert.deepEqual(attendedAtoms(attention, 2, src, 1), [], 'a step past the rows');
  // Without a BOS column the same weights belong to other tokens.
  assert.deepEqual(attendedAtoms(attention, 1, src, 0, 3).map((a) => a.atom), [2, 1, 0]);
});
