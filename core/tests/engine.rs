//! Engine behaviour on synthetic models: the burn model against a plain-Rust reference
//! forward pass, batching invariance, search options, bundle integrity and input errors.

use retort_core::options::{LengthPenalty, TranslateOptions};
use retort_core::spec::{names, Activation, ModelSpec, NormPosition};
use retort_core::testing::{random_bundle, small_spec};
use retort_core::{Bundle, ComputeType, Engine, Error, StorageType};

fn inputs() -> Vec<String> {
    [
        "CCO",
        "c1ccccc1O",
        "CC(=O)Cl.OCC",
        "N#Cc1ccc(Br)cc1",
        "C",
        "O=C(O)c1ccccc1.[Na+]",
        "CCN(CC)CC.Clc1ccccc1",
        "FC(F)(F)c1ccc(I)cc1",
        "CC",
        "Brc1cccnc1.OB(O)c1ccccc1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn engine(spec: ModelSpec, seed: u64) -> Engine {
    Engine::from_bundle(&random_bundle(spec, seed).expect("bundle")).expect("engine")
}

// ---------------------------------------------------------------- plain reference forward pass

struct Ref<'a> {
    b: &'a Bundle,
}

impl Ref<'_> {
    fn t(&self, n: &str) -> std::borrow::Cow<'_, [f32]> {
        self.b.tensors[n].values()
    }
    fn spec(&self) -> &ModelSpec {
        &self.b.meta.spec
    }
    /// y = W x + b with W [out, in] (PyTorch layout).
    fn lin(&self, p: &str, x: &[f64], bias: bool) -> Vec<f64> {
        let w = self.t(&format!("{p}.weight"));
        let inp = x.len();
        let out = w.len() / inp;
        (0..out)
            .map(|o| {
                let s: f64 = (0..inp).map(|i| w[o * inp + i] as f64 * x[i]).sum();
                s + if bias { self.t(&format!("{p}.bias"))[o] as f64 } else { 0.0 }
            })
            .collect()
    }
    fn norm(&self, p: &str, x: &[f64]) -> Vec<f64> {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let g = self.t(&format!("{p}.weight"));
        let b = self.t(&format!("{p}.bias"));
        x.iter()
            .enumerate()
            .map(|(i, v)| (v - mean) / (var + self.spec().layer_norm_eps).sqrt() * g[i] as f64 + b[i] as f64)
            .collect()
    }
    fn ffn(&self, p: &str, x: &[f64]) -> Vec<f64> {
        let fb = self.spec().ffn_bias;
        let h: Vec<f64> = self
            .lin(&format!("{p}.w1"), x, fb)
            .into_iter()
            .map(|v| match self.spec().activation {
                Activation::Relu => v.max(0.0),
                other => panic!("the reference covers relu only, not {other:?}"),
            })
            .collect();
        self.lin(&format!("{p}.w2"), &h, fb)
    }
    /// Multi-head attention of queries over keys/values (all [len][d]).
    fn mha(&self, p: &str, q_in: &[Vec<f64>], kv_in: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let s = self.spec();
        let (h, hd) = (s.heads, s.head_dim());
        let ab = s.attention_bias;
        let q: Vec<Vec<f64>> = q_in.iter().map(|x| self.lin(&format!("{p}.q"), x, ab)).collect();
        let k: Vec<Vec<f64>> = kv_in.iter().map(|x| self.lin(&format!("{p}.k"), x, ab)).collect();
        let v: Vec<Vec<f64>> = kv_in.iter().map(|x| self.lin(&format!("{p}.v"), x, ab)).collect();
        let mut out = Vec::new();
        let mut head0 = Vec::new();
        for qi in &q {
            let mut ctx = vec![0.0; s.d_model];
            for head in 0..h {
                let r = head * hd..(head + 1) * hd;
                let scores: Vec<f64> =
                    k.iter().map(|kj| (r.clone()).map(|c| qi[c] * kj[c]).sum::<f64>() / (hd as f64).sqrt()).collect();
                let m = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = scores.iter().map(|x| (x - m).exp()).collect();
                let z: f64 = e.iter().sum();
                let p: Vec<f64> = e.iter().map(|x| x / z).collect();
                if head == 0 {
                    head0.push(p.clone());
                }
                for (j, vj) in v.iter().enumerate() {
                    for c in r.clone() {
                        ctx[c] += p[j] * vj[c];
                    }
                }
            }
            out.push(self.lin(&format!("{p}.o"), &ctx, ab));
        }
        (out, head0)
    }
    fn sub(&self, x: &[Vec<f64>], norm: &str, mut f: impl FnMut(&[Vec<f64>]) -> Vec<Vec<f64>>) -> Vec<Vec<f64>> {
        let add = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x + y).collect::<Vec<f64>>();
        match self.spec().norm {
            NormPosition::Pre => {
                let n: Vec<Vec<f64>> = x.iter().map(|r| self.norm(norm, r)).collect();
                f(&n).iter().zip(x).map(|(a, b)| add(a, b)).collect()
            }
            NormPosition::Post => f(x).iter().zip(x).map(|(a, b)| self.norm(norm, &add(a, b))).collect(),
        }
    }
    fn embed(&self, table: &str, pos: &str, ids: &[u32], offset: usize) -> Vec<Vec<f64>> {
        let s = self.spec();
        let d = s.d_model;
        ids.iter()
            .enumerate()
            .map(|(i, &id)| {
                (0..d)
                    .map(|c| {
                        self.t(table)[id as usize * d + c] as f64 * s.embedding_scale as f64
                            + self.t(pos)[(i + offset) * d + c] as f64
                    })
                    .collect()
            })
            .collect()
    }
    fn encode(&self, src: &[u32]) -> Vec<Vec<f64>> {
        let s = self.spec();
        let mut x = self.embed(names::SRC_EMB, names::ENC_POS, src, 0);
        for i in 0..s.encoder_layers {
            x = self
                .sub(&x, &names::enc_layer(i, "norm_attn"), |h| self.mha(&names::enc_layer(i, "self_attn"), h, h).0);
            x = self.sub(&x, &names::enc_layer(i, "norm_ffn"), |h| {
                h.iter().map(|r| self.ffn(&names::enc_layer(i, "ffn"), r)).collect()
            });
        }
        if s.norm == NormPosition::Pre {
            x = x.iter().map(|r| self.norm(names::ENC_NORM, r)).collect();
        }
        x
    }
    /// Log-probabilities of the next token after `prefix` (BOS first), recomputed from scratch,
    /// and the first-head cross-attention of the last position.
    fn next(&self, mem: &[Vec<f64>], prefix: &[u32]) -> (Vec<f64>, Vec<f64>) {
        let s = self.spec();
        let emb = if s.shared_embeddings { names::SRC_EMB } else { names::TGT_EMB };
        let mut x = self.embed(emb, names::DEC_POS, prefix, 0);
        let mut attn = Vec::new();
        for i in 0..s.decoder_layers {
            // causal self-attention: position t sees 0..=t
            x = self.sub(&x, &names::dec_layer(i, "norm_self"), |h| {
                (0..h.len())
                    .map(|t| self.mha(&names::dec_layer(i, "self_attn"), &h[t..=t], &h[..=t]).0.remove(0))
                    .collect()
            });
            let mut a0 = Vec::new();
            x = self.sub(&x, &names::dec_layer(i, "norm_cross"), |h| {
                let (o, a) = self.mha(&names::dec_layer(i, "cross_attn"), h, mem);
                a0 = a;
                o
            });
            attn = a0.last().cloned().unwrap_or_default();
            x = self.sub(&x, &names::dec_layer(i, "norm_ffn"), |h| {
                h.iter().map(|r| self.ffn(&names::dec_layer(i, "ffn"), r)).collect()
            });
        }
        let last = x.last().expect("non-empty prefix").clone();
        let last = if s.norm == NormPosition::Pre { self.norm(names::DEC_NORM, &last) } else { last };
        let gw = if s.tied_generator { emb } else { names::GENERATOR_WEIGHT };
        let d = s.d_model;
        let w = self.t(gw);
        let logits: Vec<f64> = (0..s.tgt_vocab_size)
            .map(|o| {
                (0..d).map(|c| w[o * d + c] as f64 * last[c]).sum::<f64>()
                    + if s.generator_bias { self.t(names::GENERATOR_BIAS)[o] as f64 } else { 0.0 }
            })
            .collect();
        let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z = logits.iter().map(|l| (l - m).exp()).sum::<f64>().ln() + m;
        (logits.iter().map(|l| l - z).collect(), attn)
    }
}

fn check_against_reference(spec: ModelSpec) {
    let bundle = random_bundle(spec, 11).expect("bundle");
    let engine = Engine::from_bundle(&bundle).expect("engine");
    let r = Ref { b: &bundle };
    let sp = bundle.meta.spec.special.clone();
    let opts =
        TranslateOptions { beam_size: 1, n_best: 1, max_length: 12, return_attention: true, ..Default::default() };
    for text in inputs().iter().take(4) {
        let tr = &engine.translate(std::slice::from_ref(text), &opts).expect("translate")[0];
        let p = &tr.predictions[0];
        // Re-derive ids through the engine's own vocabulary: tokens of the random vocab are unique.
        let vocab = retort_core::testing::smiles_vocab(bundle.meta.spec.src_vocab_size);
        let ids: Vec<u32> = tr
            .source_tokens
            .iter()
            .map(|t| vocab.iter().position(|v| v == t).unwrap_or(sp.src_unk as usize) as u32)
            .collect();
        let mem = r.encode(&ids);
        let mut prefix = vec![sp.tgt_bos];
        let mut score = 0.0;
        let attn = p.attention.as_ref().expect("attention");
        for (step, want_attn) in attn.iter().enumerate().take(opts.max_length) {
            let (lp, a) = r.next(&mem, &prefix);
            let (best, best_lp) =
                lp.iter().enumerate().fold((0, f64::NEG_INFINITY), |acc, (i, &x)| if x > acc.1 { (i, x) } else { acc });
            score += best_lp;
            for (x, y) in a.iter().zip(want_attn) {
                assert!((x - *y as f64).abs() < 1e-4, "attention step {step}: {x} vs {y}");
            }
            prefix.push(best as u32);
            if best as u32 == sp.tgt_eos {
                break;
            }
        }
        let want: Vec<String> =
            prefix[1..].iter().filter(|&&t| t != sp.tgt_eos).map(|&t| vocab[t as usize].clone()).collect();
        assert_eq!(p.tokens, want, "greedy tokens for {text}");
        assert!((p.score as f64 - score).abs() < 1e-3, "score {} vs reference {score}", p.score);
    }
}

#[test]
fn matches_plain_reference_pre_norm_shared() {
    check_against_reference(small_spec(40));
}

/// A generator over the host-f64 limit (8200 × 32 > 2^18) runs in burn's f32 instead.
#[test]
fn matches_plain_reference_large_vocabulary() {
    check_against_reference(small_spec(8200));
}

#[test]
fn matches_plain_reference_post_norm_separate_no_bias() {
    let mut s = small_spec(44);
    s.norm = NormPosition::Post;
    s.shared_embeddings = false;
    s.attention_bias = false;
    s.ffn_bias = false;
    s.generator_bias = false;
    s.tied_generator = true;
    check_against_reference(s);
}

// ---------------------------------------------------------------- batching and search

#[test]
fn batched_equals_one_at_a_time_with_attention() {
    let e = engine(small_spec(40), 3);
    let base =
        TranslateOptions { beam_size: 4, n_best: 3, max_length: 20, return_attention: true, ..Default::default() };
    let all = e.translate(&inputs(), &TranslateOptions { batch_size: 10, ..base.clone() }).expect("batch");
    for (i, text) in inputs().iter().enumerate() {
        let one = &e
            .translate(std::slice::from_ref(text), &TranslateOptions { batch_size: 1, ..base.clone() })
            .expect("one")[0];
        assert_eq!(one.predictions.len(), all[i].predictions.len());
        for (a, b) in one.predictions.iter().zip(&all[i].predictions) {
            assert_eq!(a.tokens, b.tokens, "input {i}");
            assert!((a.score - b.score).abs() < 1e-5, "input {i}: {} vs {}", a.score, b.score);
            let (aa, ba) = (a.attention.as_ref().expect("attn"), b.attention.as_ref().expect("attn"));
            assert_eq!(aa.len(), ba.len());
            for (ra, rb) in aa.iter().zip(ba) {
                assert_eq!(ra.len(), one.source_tokens.len(), "attention columns = source tokens");
                for (x, y) in ra.iter().zip(rb) {
                    assert!((x - y).abs() < 1e-5);
                }
            }
        }
    }
}

#[test]
fn nbest_sorted_and_lengths_respected() {
    let e = engine(small_spec(40), 5);
    let opts = TranslateOptions { beam_size: 5, n_best: 5, min_length: 6, max_length: 9, ..Default::default() };
    for t in e.translate(&inputs(), &opts).expect("translate") {
        assert_eq!(t.predictions.len(), 5);
        for w in t.predictions.windows(2) {
            assert!(w[0].score >= w[1].score);
        }
        for p in &t.predictions {
            assert!(p.tokens.len() >= 6 && p.tokens.len() <= 9, "length {}", p.tokens.len());
        }
    }
}

#[test]
fn length_penalty_changes_scores_as_documented() {
    let e = engine(small_spec(40), 5);
    let plain = TranslateOptions { beam_size: 3, n_best: 1, max_length: 10, ..Default::default() };
    let avg = TranslateOptions { length_penalty: LengthPenalty::Avg, ..plain.clone() };
    let a = &e.translate(&inputs()[..1], &plain).expect("plain")[0].predictions[0];
    let b = &e.translate(&inputs()[..1], &avg).expect("avg")[0].predictions[0];
    if a.tokens == b.tokens {
        // lp(len + 1) with len counting BOS and the generated tokens (EOS included).
        let steps = a.tokens.len() + usize::from(a.tokens.len() < 10);
        assert!((b.score - a.score / (steps + 1) as f64).abs() < 1e-4, "{} vs {}", b.score, a.score);
    }
}

#[test]
fn ngram_blocking_prevents_repeats() {
    let e = engine(small_spec(40), 8);
    let opts = TranslateOptions {
        beam_size: 4,
        n_best: 1,
        max_length: 30,
        min_length: 25,
        block_ngram_repeat: 2,
        ..Default::default()
    };
    for t in e.translate(&inputs(), &opts).expect("translate") {
        let toks = &t.predictions[0].tokens;
        let mut seen = std::collections::HashSet::new();
        for w in toks.windows(2) {
            assert!(seen.insert(w.to_vec()), "repeated bigram {w:?} in {toks:?}");
        }
    }
}

#[test]
fn target_prefix_is_forced() {
    let e = engine(small_spec(40), 9);
    let opts = TranslateOptions { beam_size: 3, n_best: 2, max_length: 12, ..Default::default() };
    let inp = retort_core::TokenInput {
        source: vec!["C".into(), "C".into(), "O".into()],
        target_prefix: vec!["N".into(), "#".into(), "C".into()],
    };
    let out = e.translate_tokens(&[inp], &opts, &mut |_, _| {}).expect("translate");
    for p in &out[0].predictions {
        assert_eq!(&p.tokens[..3], &["N", "#", "C"]);
    }
}

#[test]
fn sampling_is_seeded() {
    let e = engine(small_spec(40), 2);
    let opts = TranslateOptions {
        sampling: true,
        beam_size: 1,
        n_best: 3,
        sampling_topk: 5,
        sampling_temperature: 1.2,
        seed: 42,
        max_length: 15,
        ..Default::default()
    };
    let a = e.translate(&inputs(), &opts).expect("a");
    let b = e.translate(&inputs(), &opts).expect("b");
    assert_eq!(a, b);
    let c = e.translate(&inputs(), &TranslateOptions { seed: 43, ..opts }).expect("c");
    assert_ne!(a, c, "another seed should give other samples");
}

// ---------------------------------------------------------------- bundle integrity

#[test]
fn bundle_round_trips_and_f16_is_close() {
    let b = random_bundle(small_spec(40), 1).expect("bundle");
    let bytes = b.to_bytes(StorageType::F32).expect("write");
    let back = Bundle::from_bytes(&bytes).expect("read");
    assert_eq!(back.meta, b.meta);
    assert_eq!(back.tensors, b.tensors);
    for _ in 0..4 {
        assert_eq!(b.to_bytes(StorageType::F32).expect("write"), bytes, "equal bundles must be equal files");
    }
    let half = Bundle::from_bytes(&b.to_bytes(StorageType::F16).expect("f16")).expect("read f16");
    for (n, t) in &b.tensors {
        for (x, y) in t.values().iter().zip(half.tensors[n].values().iter()) {
            assert!((x - y).abs() <= 1e-3 * x.abs().max(1.0), "{n}: {x} vs {y}");
        }
    }
    assert!(half.to_bytes(StorageType::F16).expect("f16").len() < bytes.len() * 6 / 10);
}

#[test]
fn corrupt_truncated_and_foreign_files_are_refused() {
    let bytes = random_bundle(small_spec(40), 1).expect("bundle").to_bytes(StorageType::F32).expect("write");
    let msg = |r: Result<Bundle, Error>| r.err().map(|e| e.to_string()).unwrap_or_default();

    let truncated = msg(Bundle::from_bytes(&bytes[..bytes.len() - 100]));
    assert!(truncated.contains("truncated or corrupt"), "{truncated}");

    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 10] ^= 0x55;
    let flipped = msg(Bundle::from_bytes(&flipped));
    assert!(flipped.contains("checksum mismatch"), "{flipped}");

    let garbage = msg(Bundle::from_bytes(b"hello, I am not a model"));
    assert!(garbage.contains("not a Retort bundle"), "{garbage}");

    let key = b"\"retort.format_version\":\"2\"";
    let at = bytes.windows(key.len()).position(|w| w == key).expect("version key in header");
    let mut wrong = bytes.clone();
    wrong[at + key.len() - 2] = b'9';
    let wrong = msg(Bundle::from_bytes(&wrong));
    assert!(wrong.contains("unsupported bundle format version 9"), "{wrong}");
}

#[test]
fn missing_or_misshapen_tensors_are_named() {
    let mut b = random_bundle(small_spec(40), 1).expect("bundle");
    b.tensors.remove("dec.layers.1.ffn.w2.weight");
    let e = b.to_bytes(StorageType::F32).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("dec.layers.1.ffn.w2.weight") && e.contains("missing"), "{e}");
}

// ---------------------------------------------------------------- input errors

#[test]
fn bad_inputs_and_options_get_named_errors() {
    let e = engine(small_spec(40), 1);
    let err = |inputs: &[String], o: &TranslateOptions| {
        e.translate(inputs, o).err().map(|e| e.to_string()).unwrap_or_default()
    };
    let ok = TranslateOptions::default();
    let m = err(&["CCO".into(), "   ".into()], &ok);
    assert!(m.contains("input 1") && m.contains("empty"), "{m}");
    let m = err(&["CCO".into()], &TranslateOptions { beam_size: 2, n_best: 3, ..ok.clone() });
    assert!(m.contains("n_best"), "{m}");
    let long = "C".repeat(300);
    let m = err(&["CCO".into(), long], &ok);
    assert!(m.contains("input 1") && m.contains("positions"), "{m}");
    let m = err(&["CCO".into()], &TranslateOptions { max_length: 1000, ..ok });
    assert!(m.contains("max_length"), "{m}");
}

#[test]
fn progress_counts_each_finished_input_within_a_batch() {
    let e = engine(small_spec(40), 9);
    let inputs = inputs();
    for opts in [
        TranslateOptions { beam_size: 3, max_length: 20, batch_size: 64, ..Default::default() },
        TranslateOptions { beam_size: 1, max_length: 20, batch_size: 2, ..Default::default() },
        TranslateOptions { beam_size: 1, n_best: 2, sampling: true, seed: 3, max_length: 20, ..Default::default() },
    ] {
        let mut calls = Vec::new();
        let out =
            e.translate_with_progress(&inputs, &opts, &mut |done, total| calls.push((done, total))).expect("translate");
        assert_eq!(out.len(), inputs.len());
        let want: Vec<(usize, usize)> = (1..=inputs.len()).map(|d| (d, inputs.len())).collect();
        assert_eq!(calls, want, "{opts:?}");
    }
}

// ---------------------------------------------------------------- int8 compute

#[test]
fn int8_compute_follows_storage_and_reuses_an_int8_bundles_integers() {
    let bundle = random_bundle(small_spec(40), 21).expect("bundle");
    let f32_engine = Engine::load(&bundle, &[], ComputeType::Auto).expect("f32");
    assert_eq!(f32_engine.compute_type(), ComputeType::F32);
    let quantized_at_load = Engine::load(&bundle, &[], ComputeType::Int8).expect("int8 at load");
    assert_eq!(quantized_at_load.compute_type(), ComputeType::Int8);
    let stored = Bundle::from_bytes(&bundle.to_bytes(StorageType::Int8).expect("int8 bytes")).expect("read");
    assert_eq!(stored.stored_as, StorageType::Int8);
    assert_eq!(Engine::load(&stored, &[], ComputeType::Auto).expect("auto").compute_type(), ComputeType::Int8);
    assert_eq!(Engine::load(&stored, &[], ComputeType::F32).expect("f32").compute_type(), ComputeType::F32);

    // The int8 file also quantizes the embeddings (and so the tied generator), which int8
    // compute of an f32 bundle leaves in f32. Given the file's linear weights and the original
    // embeddings, int8 compute must find the file's integers again and decode the same.
    let mut linear_from_file = bundle.clone();
    for (name, t) in &stored.tensors {
        let embedding = [names::SRC_EMB, names::TGT_EMB, names::GENERATOR_WEIGHT].contains(&name.as_str());
        if t.shape.len() == 2 && !embedding && !name.ends_with(".pos") {
            linear_from_file.tensors.insert(name.clone(), t.clone());
        }
    }
    let requantized = Engine::load(&linear_from_file, &[], ComputeType::Int8).expect("requantized");
    let opts = TranslateOptions { beam_size: 4, n_best: 3, max_length: 20, ..Default::default() };
    let (a, b) = (
        quantized_at_load.translate(&inputs(), &opts).expect("a"),
        requantized.translate(&inputs(), &opts).expect("b"),
    );
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        for (p, q) in x.predictions.iter().zip(&y.predictions) {
            assert_eq!(p.tokens, q.tokens, "input {i}");
            // the row scales may differ in the last bit, which can move an activation by one
            // quantization step (see the next test)
            let tol = 1e-4 * p.tokens.len().max(1) as f64;
            assert!((p.score - q.score).abs() <= tol, "input {i}: {} vs {}", p.score, q.score);
        }
    }
}

#[test]
fn int8_batched_equals_one_at_a_time() {
    // Activations are quantized per row and integer sums are exact, so what else is in a batch
    // only reaches an input through the f32 encoder's padded shapes, as in f32: last bits, which
    // move an activation across a rounding boundary of its 12-bit quantization now and then, i.e.
    // by one step (1/2047 of its row's largest value). Scores may differ by that much per token.
    let bundle = random_bundle(small_spec(40), 22).expect("bundle");
    let e = Engine::load(&bundle, &[], ComputeType::Int8).expect("engine");
    let base = TranslateOptions { beam_size: 4, n_best: 2, max_length: 20, ..Default::default() };
    let all = e.translate(&inputs(), &TranslateOptions { batch_size: 10, ..base.clone() }).expect("batch");
    for (i, text) in inputs().iter().enumerate() {
        let one = &e
            .translate(std::slice::from_ref(text), &TranslateOptions { batch_size: 1, ..base.clone() })
            .expect("one")[0];
        for (a, b) in one.predictions.iter().zip(&all[i].predictions) {
            assert_eq!(a.tokens, b.tokens, "input {i}");
            assert!(
                (a.score - b.score).abs() <= 1e-4 * a.tokens.len().max(1) as f64,
                "input {i}: {} vs {}",
                a.score,
                b.score
            );
        }
    }
}

#[test]
fn compute_type_parses_ctranslate2_names_and_refuses_others() {
    assert_eq!("int8_float32".parse::<ComputeType>().expect("ct2 name"), ComputeType::Int8);
    let e = "int16".parse::<ComputeType>().expect_err("int16");
    assert!(matches!(e, Error::InvalidOption { option: "compute_type", .. }), "{e}");
}
