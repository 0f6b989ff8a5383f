// Atom-level attention: which input atoms a predicted atom attends to.
//
// The SMILES tokenizer's atom tokens (bracket atoms, Br/Cl, the organic subset B C N O S P F I,
// aromatic b c n o s p, the wildcard *) are the atoms in SMILES order, and RDKit numbers the
// atoms of a molecule parsed from a SMILES in that same order. A '.'-separated string is one
// molecule with several fragments (that is how the page draws it), numbered straight through.
// So the k-th atom token of a string is atom k of its drawing, provided the drawing keeps
// explicit hydrogens ([H] is an atom token): callers check that the counts agree.

const ATOM_TOKEN = /^(\[[^\]]+\]|Br|Cl|[BCNOSPFI*]|[bcnops])$/;

/** Whether a SMILES token is an atom. */
export const isAtomToken = (token) => ATOM_TOKEN.test(token);

/** For each token, the RDKit atom index it is (or -1 for bonds, rings, branches, dots). */
export function atomIndices(tokens) {
  let next = 0;
  return tokens.map((t) => (isAtomToken(t) ? next++ : -1));
}

/** How many atoms a token sequence spells. */
export const atomCount = (tokens) => tokens.filter(isAtomToken).length;

/**
 * The source atoms that target token `step` attends to most: up to `top` of them, heaviest
 * first, as {atom, weight} with the raw attention weight (a row sums to 1 over all source
 * positions, atoms or not). `attention` is {rows, cols, data} ([target steps × source
 * positions]); `srcOffset` is the number of leading positions that are no source token (BOS).
 */
export function attendedAtoms(attention, step, sourceTokens, srcOffset, top = 3) {
  const { rows, cols, data } = attention;
  if (step < 0 || step >= rows) return [];
  const atomOf = atomIndices(sourceTokens);
  const found = [];
  for (let c = 0; c < cols; c++) {
    const atom = atomOf[c - srcOffset];
    const weight = data[step * cols + c];
    if (atom !== undefined && atom >= 0 && weight > 0) found.push({ atom, weight });
  }
  return found.sort((a, b) => b.weight - a.weight || a.atom - b.atom).slice(0, top);
}

/** The token position (attention row) of atom `atom` in a target token sequence, or -1. */
export function stepOfAtom(tokens, atom) {
  return atomIndices(tokens).indexOf(atom);
}
