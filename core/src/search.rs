//! Beam search, greedy decoding and sampling over any [`Seq2SeqModel`].
//!
//! Beam search follows OpenNMT-py 1.2's semantics step for step, because users compare our
//! n-best lists with theirs: finished beams stay in the beam with a score of -1e10, an input
//! is done once its top beam has finished and `n_best` hypotheses exist, length penalties
//! divide the cumulative log-probability by lp(len + 1), and n-gram blocking includes the
//! start token. The selection runs on the host: the model returns log-probabilities for all
//! rows of a step at once and only the bookkeeping happens here.
//!
//! Cumulative scores are carried in f64, rounded to f32 only where a ranking is decided (as
//! OpenNMT-py ranks in f32), and reported in f64. In f32, a sum near -40 moves in steps of
//! 3.8e-6 (7.6e-6 past -64), so two hosts whose log-probabilities differ by 1e-7 (FMA or not
//! in the matmuls) round differently at some steps and drift apart by several of those steps
//! over a long hypothesis, and a reported f32 score adds one more such step; in f64 they
//! differ by no more than their log-probabilities do.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::model::{AttentionKind, Seq2SeqModel};
use crate::options::{BeamCompat, CoveragePenalty, LengthPenalty, MinLengthRule, TranslateOptions};

/// Scores OpenNMT-py writes into forbidden entries; kept so near-ties resolve the same way.
const FORBID_EOS: f32 = -1e20;
const FORBID_NGRAM: f32 = -10e20;
const FINISHED_BEAM: f32 = -1e10;

/// Token ids the search needs to know.
#[derive(Clone, Copy, Debug)]
pub struct SearchTokens {
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
}

/// One input for the search: source ids plus an optional forced target prefix.
pub struct SearchInput<'a> {
    pub source: &'a [u32],
    pub prefix: &'a [u32],
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hypothesis {
    /// Generated ids without BOS; ends with EOS unless max_length stopped it.
    pub ids: Vec<u32>,
    /// The f64 sum (with the length penalty applied); see the module comment.
    pub score: f64,
    /// One row per generated id (EOS included), each the source length long.
    pub attention: Option<Vec<Vec<f32>>>,
}

fn length_penalty(kind: LengthPenalty, alpha: f32, len: usize) -> f32 {
    match kind {
        LengthPenalty::None => 1.0,
        LengthPenalty::Avg => len as f32,
        LengthPenalty::Wu => ((5.0 + len as f32) / 6.0).powf(alpha),
    }
}

fn coverage_penalty(kind: CoveragePenalty, beta: f32, coverage: &[f32]) -> f32 {
    match kind {
        CoveragePenalty::None => 0.0,
        CoveragePenalty::Wu => beta * -coverage.iter().map(|c| c.min(1.0).ln()).sum::<f32>(),
        CoveragePenalty::Summary => beta * (coverage.iter().map(|c| c.max(1.0)).sum::<f32>() - coverage.len() as f32),
    }
}

/// One live (unfinished) hypothesis of a beam.
#[derive(Clone)]
struct Live {
    /// BOS followed by the generated ids.
    seq: Vec<u32>,
    attn: Vec<Vec<f32>>,
    coverage: Vec<f32>,
    /// n-gram prefix -> tokens that would repeat an n-gram (block_ngram_repeat). The sets
    /// are shared between beams under OpenNMT-py 1.x semantics (it copied the map shallowly).
    forbidden: HashMap<Vec<u32>, Rc<RefCell<HashSet<u32>>>>,
}

/// A finished hypothesis: score, ids, attention rows.
type Finished = (f64, Vec<u32>, Option<Vec<Vec<f32>>>);

/// Search state of one input.
struct Item {
    index: usize,
    src_len: usize,
    live: Vec<Live>,
    /// Cumulative log-probabilities (finished live: FINISHED_BEAM).
    log_probs: Vec<f64>,
    finished: Vec<Finished>,
    top_beam_finished: bool,
}

pub struct Searcher<'m, M: Seq2SeqModel> {
    pub model: &'m M,
    pub tokens: SearchTokens,
}

impl<'m, M: Seq2SeqModel> Searcher<'m, M> {
    fn check_lengths(&self, inputs: &[SearchInput], opts: &TranslateOptions) -> Result<()> {
        let max_pos = self.model.max_positions();
        if opts.max_length > max_pos {
            return Err(Error::InvalidOption {
                option: "max_length",
                problem: format!("{} exceeds the model's {max_pos} target positions", opts.max_length),
            });
        }
        for (i, inp) in inputs.iter().enumerate() {
            if inp.source.is_empty() {
                return Err(Error::InvalidInput { index: i, problem: "empty input".into() });
            }
            if inp.source.len() > max_pos {
                return Err(Error::InvalidInput {
                    index: i,
                    problem: format!("{} tokens exceed the model's {max_pos} source positions", inp.source.len()),
                });
            }
            if inp.prefix.len() >= opts.max_length {
                return Err(Error::InvalidInput {
                    index: i,
                    problem: format!(
                        "target prefix of {} tokens leaves no room under max_length {}",
                        inp.prefix.len(),
                        opts.max_length
                    ),
                });
            }
        }
        Ok(())
    }

    /// Decodes one batch. Results are in input order, `n_best` hypotheses each, best first.
    /// `finished` is called once per input as soon as its hypotheses are final (inputs of a
    /// batch finish at different steps), so hosts can report progress within a batch.
    pub fn run(
        &self,
        inputs: &[SearchInput],
        opts: &TranslateOptions,
        ignore: &HashSet<u32>,
        finished: &mut dyn FnMut(),
    ) -> Result<Vec<Vec<Hypothesis>>> {
        opts.validate()?;
        self.check_lengths(inputs, opts)?;
        if opts.sampling {
            self.sample(inputs, opts, finished)
        } else {
            self.beam(inputs, opts, ignore, finished)
        }
    }

    fn beam(
        &self,
        inputs: &[SearchInput],
        opts: &TranslateOptions,
        ignore: &HashSet<u32>,
        finished: &mut dyn FnMut(),
    ) -> Result<Vec<Vec<Hypothesis>>> {
        let beam = opts.beam_size;
        let v = self.model.tgt_vocab_size();
        let t = self.tokens;
        let sources: Vec<Vec<u32>> = inputs.iter().map(|i| i.source.to_vec()).collect();
        let mut state = self.model.encode(&sources, beam)?;
        let track_attn = opts.return_attention || opts.replace_unk || opts.coverage_penalty != CoveragePenalty::None;
        let attn_kind = track_attn.then_some(match opts.attention {
            crate::options::AttentionChoice::FirstHead => AttentionKind::FirstHead,
            crate::options::AttentionChoice::Average => AttentionKind::MeanOfHeads,
        });
        let start = Live { seq: vec![t.bos], attn: Vec::new(), coverage: Vec::new(), forbidden: HashMap::new() };
        let mut items: Vec<Item> = inputs
            .iter()
            .enumerate()
            .map(|(index, inp)| Item {
                index,
                src_len: inp.source.len(),
                live: vec![start.clone(); beam],
                log_probs: std::iter::once(0.0).chain(std::iter::repeat(f64::NEG_INFINITY)).take(beam).collect(),
                finished: Vec::new(),
                top_beam_finished: false,
            })
            .collect();
        let mut results: Vec<Vec<Hypothesis>> = vec![Vec::new(); inputs.len()];
        // OpenNMT-py 1.2 looks blocked tokens up under the last n-1 generated tokens, sliced as
        // `seq[-(n-1):]`: for n = 1 that is `seq[-0:]`, the whole sequence, never the empty key the
        // sets are stored under, so unigram blocking never blocks anything there.
        let block = match (opts.block_ngram_repeat, opts.beam_compat) {
            (1, BeamCompat::OpennmtPy1) => 0,
            (n, _) => n,
        };

        for _ in 0..opts.max_length {
            let feed: Vec<u32> =
                items.iter().flat_map(|it| it.live.iter().map(|p| *p.seq.last().unwrap_or(&t.bos))).collect();
            let out = self.model.step(&mut state, &feed, attn_kind)?;
            let mut step_log_probs = out.log_probs;
            let s = out.src_len;
            let mut keep_rows: Vec<usize> = Vec::new();
            let mut next_items = Vec::with_capacity(items.len());

            for (ii, mut item) in items.into_iter().enumerate() {
                let cur_len = item.live[0].seq.len(); // BOS included
                let pen = f64::from(length_penalty(opts.length_penalty, opts.alpha, cur_len + 1));
                let prefix = inputs[item.index].prefix;
                let forced = prefix.get(cur_len - 1).copied();
                // Candidate scores for every (beam, token), adjusted in place.
                for b in 0..beam {
                    let row = &mut step_log_probs[(ii * beam + b) * v..(ii * beam + b + 1) * v];
                    if cur_len <= opts.min_length {
                        if opts.min_length_rule == MinLengthRule::Logits {
                            renormalize_without(row, t.eos as usize);
                        }
                        row[t.eos as usize] = FORBID_EOS.into();
                    }
                    if opts.ban_unk_token {
                        row[t.unk as usize] = FORBID_EOS.into();
                    }
                    let base = item.log_probs[b];
                    for x in row.iter_mut() {
                        *x = (*x + base) / pen;
                    }
                    if block > 0 && cur_len >= block {
                        let seq = &item.live[b].seq;
                        let key = seq[seq.len() - (block - 1)..].to_vec();
                        if let Some(f) = item.live[b].forbidden.get(&key) {
                            for &tok in f.borrow().iter() {
                                row[tok as usize] = FORBID_NGRAM.into();
                            }
                        }
                    }
                    if let Some(f) = forced {
                        let keep = row[f as usize];
                        row.fill(f64::NEG_INFINITY);
                        row[f as usize] = keep;
                    }
                }
                let cand = &step_log_probs[ii * beam * v..(ii + 1) * beam * v];
                // Ranked at f32 resolution, as OpenNMT-py ranks: candidates that round to the
                // same f32 keep its tie order (lowest index first).
                let keys: Vec<f32> = cand.iter().map(|&x| x as f32).collect();
                let top = top_k(&keys, beam);

                let attn_rows = out.attention.as_ref();
                let mut next_live = Vec::with_capacity(beam);
                let mut scores = Vec::with_capacity(beam);
                let mut origins = Vec::with_capacity(beam);
                for &(flat, _) in &top {
                    let score = cand[flat];
                    let origin = flat / v;
                    let tok = (flat % v) as u32;
                    let old = &item.live[origin];
                    let mut p = Live {
                        seq: old.seq.clone(),
                        attn: Vec::new(),
                        coverage: Vec::new(),
                        forbidden: HashMap::new(),
                    };
                    p.seq.push(tok);
                    if let Some(a) = attn_rows {
                        let r = ii * beam + origin;
                        let row = a[r * s..r * s + item.src_len].to_vec();
                        if opts.coverage_penalty != CoveragePenalty::None {
                            p.coverage = if old.coverage.is_empty() {
                                row.clone()
                            } else {
                                old.coverage.iter().zip(&row).map(|(c, x)| c + x).collect()
                            };
                        }
                        p.attn = old.attn.clone();
                        p.attn.push(row);
                    }
                    if block > 0 {
                        p.forbidden = match opts.beam_compat {
                            BeamCompat::OpennmtPy1 => old.forbidden.clone(),
                            BeamCompat::OpennmtPy3 => old
                                .forbidden
                                .iter()
                                .map(|(k, v)| (k.clone(), Rc::new(RefCell::new(v.borrow().clone()))))
                                .collect(),
                        };
                        if p.seq.len() >= block {
                            let ngram = &p.seq[p.seq.len() - block..];
                            if !ngram.iter().any(|x| ignore.contains(x)) {
                                p.forbidden
                                    .entry(ngram[..block - 1].to_vec())
                                    .or_default()
                                    .borrow_mut()
                                    .insert(ngram[block - 1]);
                            }
                        }
                    }
                    next_live.push(p);
                    scores.push(score);
                    origins.push(origin);
                }
                item.log_probs = scores.iter().map(|s| s * pen).collect();
                // Coverage penalty changes the reported score, not what the beam carries.
                let final_scores: Vec<f64> = scores
                    .iter()
                    .zip(&next_live)
                    .map(|(s, p)| s - f64::from(coverage_penalty(opts.coverage_penalty, opts.beta, &p.coverage)))
                    .collect();
                item.live = next_live;

                let at_max = cur_len + 1 == opts.max_length + 1;
                let is_finished: Vec<bool> =
                    item.live.iter().map(|p| at_max || *p.seq.last().unwrap_or(&0) == t.eos).collect();
                if is_finished.iter().any(|&f| f) {
                    item.top_beam_finished = match opts.beam_compat {
                        BeamCompat::OpennmtPy1 => item.top_beam_finished || is_finished[0],
                        BeamCompat::OpennmtPy3 => is_finished[0],
                    };
                    for (j, _) in is_finished.iter().enumerate().filter(|(_, f)| **f) {
                        item.log_probs[j] = FINISHED_BEAM.into();
                        let p = &item.live[j];
                        if final_scores[j].is_finite() {
                            item.finished.push((
                                final_scores[j],
                                p.seq[1..].to_vec(),
                                track_attn.then(|| p.attn.clone()),
                            ));
                        }
                    }
                    if item.top_beam_finished && item.finished.len() >= opts.n_best {
                        let mut hyps = std::mem::take(&mut item.finished);
                        // Stable sort of the scores as OpenNMT-py holds them (f32): equal ones keep
                        // the order they finished in, as in Python.
                        hyps.sort_by(|a, b| {
                            (b.0 as f32).partial_cmp(&(a.0 as f32)).unwrap_or(std::cmp::Ordering::Equal)
                        });
                        results[item.index] = hyps
                            .into_iter()
                            .take(opts.n_best)
                            .map(|(score, ids, attention)| Hypothesis {
                                ids,
                                score,
                                attention: attention.filter(|_| opts.return_attention || opts.replace_unk),
                            })
                            .collect();
                        finished();
                        continue;
                    }
                }
                keep_rows.extend(origins.iter().map(|o| ii * beam + o));
                next_items.push(item);
            }
            items = next_items;
            if items.is_empty() {
                break;
            }
            self.model.reorder(&mut state, &keep_rows)?;
        }
        // max_length finishes every path, so every input has results; guard anyway.
        if let Some(i) = results.iter().position(Vec::is_empty) {
            return Err(Error::Model(format!("search ended without a hypothesis for input {i}")));
        }
        Ok(results)
    }

    /// Random sampling: `n_best` independent samples per input.
    fn sample(
        &self,
        inputs: &[SearchInput],
        opts: &TranslateOptions,
        finished: &mut dyn FnMut(),
    ) -> Result<Vec<Vec<Hypothesis>>> {
        let width = opts.n_best;
        let v = self.model.tgt_vocab_size();
        let t = self.tokens;
        let sources: Vec<Vec<u32>> = inputs.iter().map(|i| i.source.to_vec()).collect();
        let mut state = self.model.encode(&sources, width)?;
        let want_attn = opts.return_attention || opts.replace_unk;
        let attn_kind = want_attn.then_some(match opts.attention {
            crate::options::AttentionChoice::FirstHead => AttentionKind::FirstHead,
            crate::options::AttentionChoice::Average => AttentionKind::MeanOfHeads,
        });
        let rows = inputs.len() * width;
        let mut rng = Rng::new(opts.seed);
        let mut seqs: Vec<Vec<u32>> = vec![Vec::new(); rows];
        let mut scores = vec![0f64; rows];
        let mut attn: Vec<Vec<Vec<f32>>> = vec![Vec::new(); rows];
        let mut done = vec![false; rows];
        let mut reported = vec![false; inputs.len()];
        for step in 0..opts.max_length {
            let feed: Vec<u32> = seqs.iter().map(|s| *s.last().unwrap_or(&t.bos)).collect();
            let out = self.model.step(&mut state, &feed, attn_kind)?;
            for r in 0..rows {
                if done[r] {
                    continue;
                }
                let item = r / width;
                let mut log_probs = out.log_probs[r * v..(r + 1) * v].to_vec();
                if step < opts.min_length && opts.min_length_rule == MinLengthRule::Logits {
                    renormalize_without(&mut log_probs, t.eos as usize);
                }
                let mut row: Vec<f32> = log_probs.iter().map(|&x| x as f32).collect();
                if step < opts.min_length {
                    row[t.eos as usize] = f32::NEG_INFINITY;
                }
                if opts.ban_unk_token {
                    row[t.unk as usize] = f32::NEG_INFINITY;
                }
                let tok = match inputs[item].prefix.get(step) {
                    Some(&f) => f,
                    None => sample_token(&row, opts, &mut rng),
                };
                scores[r] += log_probs[tok as usize];
                seqs[r].push(tok);
                if let Some(a) = &out.attention {
                    attn[r].push(a[r * out.src_len..r * out.src_len + inputs[item].source.len()].to_vec());
                }
                done[r] = tok == t.eos;
            }
            for (item, rows_done) in done.chunks(width).enumerate() {
                if !reported[item] && rows_done.iter().all(|&d| d) {
                    reported[item] = true;
                    finished();
                }
            }
            if done.iter().all(|&d| d) {
                break;
            }
        }
        // Inputs stopped by max_length.
        for _ in reported.iter().filter(|&&r| !r) {
            finished();
        }
        let mut results = Vec::with_capacity(inputs.len());
        for i in 0..inputs.len() {
            let mut hyps: Vec<Hypothesis> = (i * width..(i + 1) * width)
                .map(|r| Hypothesis {
                    ids: seqs[r].clone(),
                    score: scores[r],
                    attention: want_attn.then(|| attn[r].clone()),
                })
                .collect();
            hyps.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
            results.push(hyps);
        }
        Ok(results)
    }
}

/// Log-probabilities of a softmax with token `skip` removed (CTranslate2 disables a token in
/// the logits, before its softmax): every other entry rises by -ln(1 - p(skip)). A row where
/// `skip` holds all the mass is left as it is.
fn renormalize_without(row: &mut [f64], skip: usize) {
    let rest = (-row[skip].exp()).ln_1p();
    if rest.is_finite() {
        row.iter_mut().for_each(|x| *x -= rest);
    }
}

/// The `k` best (index, value) pairs, best first; equal values keep the lower index first.
fn top_k(values: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut best: Vec<(usize, f32)> = Vec::with_capacity(k + 1);
    for (i, &x) in values.iter().enumerate() {
        // NaN never displaces anything: only a strictly greater value enters a full list.
        if best.len() == k && x.partial_cmp(&best[k - 1].1) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let pos = best.partition_point(|&(_, y)| y >= x);
        best.insert(pos, (i, x));
        best.truncate(k);
    }
    // Fewer finite candidates than k (tiny vocabularies): fill with the lowest indices left.
    let mut i = 0;
    while best.len() < k && i < values.len() {
        if !best.iter().any(|&(j, _)| j == i) {
            best.push((i, values[i]));
        }
        i += 1;
    }
    best
}

fn sample_token(log_probs: &[f32], opts: &TranslateOptions, rng: &mut Rng) -> u32 {
    let temp = opts.sampling_temperature;
    let mut cand: Vec<(usize, f32)> =
        log_probs.iter().enumerate().map(|(i, &x)| (i, x / temp)).filter(|(_, x)| x.is_finite()).collect();
    cand.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    if opts.sampling_topk > 0 {
        cand.truncate(opts.sampling_topk);
    }
    let max = cand.first().map(|c| c.1).unwrap_or(0.0);
    let mut probs: Vec<f32> = cand.iter().map(|c| (c.1 - max).exp()).collect();
    let total: f32 = probs.iter().sum();
    probs.iter_mut().for_each(|p| *p /= total);
    if opts.sampling_topp < 1.0 {
        let mut acc = 0.0;
        let mut keep = probs.len();
        for (i, p) in probs.iter().enumerate() {
            acc += p;
            if acc >= opts.sampling_topp {
                keep = i + 1;
                break;
            }
        }
        probs.truncate(keep);
        cand.truncate(keep);
        let total: f32 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= total);
    }
    let u = rng.next_f32();
    let mut acc = 0.0;
    for (c, p) in cand.iter().zip(&probs) {
        acc += p;
        if u < acc {
            return c.0 as u32;
        }
    }
    cand.last().map(|c| c.0 as u32).unwrap_or(0)
}

/// SplitMix64: small, seedable, identical on every host (no platform RNG in wasm).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_by_value_then_index() {
        let v = [0.1, 0.5, 0.5, -1.0, 0.9];
        assert_eq!(top_k(&v, 3), vec![(4, 0.9), (1, 0.5), (2, 0.5)]);
    }

    #[test]
    fn penalties_match_opennmt_formulas() {
        assert_eq!(length_penalty(LengthPenalty::None, 0.6, 7), 1.0);
        assert_eq!(length_penalty(LengthPenalty::Avg, 0.6, 7), 7.0);
        assert!((length_penalty(LengthPenalty::Wu, 0.6, 7) - 2f32.powf(0.6)).abs() < 1e-6);
        assert!((coverage_penalty(CoveragePenalty::Summary, 0.5, &[2.0, 0.5]) - 0.5).abs() < 1e-6);
        assert!((coverage_penalty(CoveragePenalty::Wu, 1.0, &[2.0, 0.5]) - 0.5f32.ln().abs()).abs() < 1e-6);
    }

    #[test]
    fn renormalizing_without_a_token_is_a_softmax_over_the_others() {
        let logits = [1.0f64, -0.5, 2.0, 0.25];
        let log_softmax = |l: &[f64]| {
            let lse = l.iter().map(|x| x.exp()).sum::<f64>().ln();
            l.iter().map(|x| x - lse).collect::<Vec<f64>>()
        };
        let mut row = log_softmax(&logits);
        renormalize_without(&mut row, 2);
        let expect = log_softmax(&[1.0, -0.5, 0.25]);
        for (got, want) in [row[0], row[1], row[3]].iter().zip(&expect) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
    }

    #[test]
    fn rng_is_deterministic() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }
}
