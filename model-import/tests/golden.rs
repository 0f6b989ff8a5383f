//! Golden tests: models imported from the committed OpenNMT-py / CTranslate2 fixtures must
//! reproduce what the reference engines produced (fixtures/golden/*.json, made by
//! tools/fixtures). The thresholds are the project's parity promises.

use std::path::{Path, PathBuf};

use retort_core::{Engine, TokenizerKind, TranslateOptions};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Golden {
    name: String,
    doc: Value,
}

fn load(name: &str) -> Golden {
    let path = repo().join("fixtures/golden").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Golden { name: name.into(), doc: serde_json::from_str(&text).expect("golden JSON") }
}

fn engine_for(model: &str) -> Engine {
    let path = repo().join("fixtures").join(model);
    let bundle = retort_import::import_path(&path, Some(TokenizerKind::Smiles))
        .unwrap_or_else(|e| panic!("import {}: {e}", path.display()));
    Engine::from_bundle(&bundle).expect("engine")
}

struct Hyp {
    tokens: Vec<String>,
    score: f64,
    attention: Option<Vec<Vec<f64>>>,
}

fn hyps(v: &Value) -> Vec<Hyp> {
    v.as_array()
        .expect("predictions")
        .iter()
        .map(|p| Hyp {
            tokens: p["tokens"]
                .as_array()
                .expect("tokens")
                .iter()
                .map(|t| t.as_str().expect("token").to_string())
                .collect(),
            score: p["score"].as_f64().or_else(|| p["score"].as_str().and_then(|s| s.parse().ok())).expect("score"),
            attention: p.get("attention").and_then(|a| serde_json::from_value(a.clone()).ok()),
        })
        .collect()
}

struct Report {
    inputs: usize,
    top1_equal: usize,
    nbest_equal: usize,
    max_score_diff: f64,
    max_attn_diff: f64,
    compared_attention: usize,
}

/// Translates every case with the file's options and compares with the reference.
/// `scores`: compare scores of equal hypotheses; `nbest`: compare whole lists.
fn run(g: &Golden, engine: &Engine, scores: bool) -> Report {
    let doc = &g.doc;
    let mut opts: TranslateOptions = serde_json::from_value(doc["options"].clone()).expect("options");
    // the generation's beam-search semantics come with the model (set at import)
    opts.beam_compat = engine.default_options().beam_compat;
    let cases = doc["cases"].as_array().expect("cases");
    let with_attn = cases.iter().any(|c| c["predictions"][0].get("attention").is_some());
    opts.return_attention = with_attn;
    opts.batch_size = 16;
    let sources: Vec<String> = cases.iter().map(|c| c["source"].as_str().expect("source").to_string()).collect();
    let ours = engine.translate(&sources, &opts).unwrap_or_else(|e| panic!("{}: {e}", g.name));
    let attn_has_eos = doc.get("attention_includes_eos").and_then(Value::as_bool).unwrap_or(true);
    let mut r = Report {
        inputs: cases.len(),
        top1_equal: 0,
        nbest_equal: 0,
        max_score_diff: 0.0,
        max_attn_diff: 0.0,
        compared_attention: 0,
    };
    for (i, case) in cases.iter().enumerate() {
        let want = hyps(&case["predictions"]);
        let got = &ours[i].predictions;
        if got.first().map(|p| &p.tokens) == want.first().map(|h| &h.tokens) {
            r.top1_equal += 1;
        } else {
            eprintln!(
                "{} input {i}: top-1 differs\n  ours: {:?}\n  ref:  {:?}",
                g.name,
                got[0].tokens.join(" "),
                want[0].tokens.join(" ")
            );
        }
        let same_list = got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| a.tokens == b.tokens);
        if same_list {
            r.nbest_equal += 1;
        }
        for (a, b) in got.iter().zip(&want) {
            if a.tokens != b.tokens {
                continue;
            }
            if scores {
                r.max_score_diff = r.max_score_diff.max((a.score - b.score).abs());
            }
            if let (Some(x), Some(y)) = (&a.attention, &b.attention) {
                let rows = if attn_has_eos { x.len() } else { y.len() };
                assert!(
                    x.len() >= rows && y.len() >= rows,
                    "{} input {i}: attention rows {} vs {}",
                    g.name,
                    x.len(),
                    y.len()
                );
                for (rx, ry) in x.iter().zip(y).take(rows) {
                    assert_eq!(rx.len(), ry.len(), "{} input {i}: attention columns", g.name);
                    for (p, q) in rx.iter().zip(ry) {
                        r.max_attn_diff = r.max_attn_diff.max((*p as f64 - q).abs());
                    }
                }
                r.compared_attention += 1;
            }
        }
    }
    eprintln!(
        "{}: {} inputs, top-1 equal {}, n-best lists equal {}, max |score diff| {:.2e}, max |attention diff| {:.2e} over {} hypotheses",
        g.name, r.inputs, r.top1_equal, r.nbest_equal, r.max_score_diff, r.max_attn_diff, r.compared_attention
    );
    r
}

/// OpenNMT-py parity: top-1 identical on all, whole n-best identical on >= 99 %, scores and
/// attention within 1e-4.
fn assert_opennmt_parity(file: &str, engine: &Engine, scores: bool) {
    let g = load(file);
    let r = run(&g, engine, scores);
    assert!(r.inputs >= 200, "{file}: only {} inputs", r.inputs);
    assert_eq!(r.top1_equal, r.inputs, "{file}: top-1 must be identical on every input");
    assert!(r.nbest_equal * 100 >= r.inputs * 99, "{file}: n-best lists equal on {}/{}", r.nbest_equal, r.inputs);
    assert!(r.max_score_diff <= 1e-4, "{file}: score diff {}", r.max_score_diff);
    assert!(r.max_attn_diff <= 1e-4, "{file}: attention diff {}", r.max_attn_diff);
    let with_attention = g.doc["cases"]
        .as_array()
        .map(|c| c.iter().filter(|c| c["predictions"][0].get("attention").is_some()).count())
        .unwrap_or(0);
    assert!(
        r.compared_attention >= with_attention,
        "{file}: attention compared on {} hypotheses",
        r.compared_attention
    );
}

#[test]
fn opennmt_1_2_beam_search_cases() {
    let e = engine_for("onmt12/model_zip.pt");
    for f in [
        "onmt12-beam5.json",
        "onmt12-beam10.json",
        "onmt12-minmax.json",
        "onmt12-replace-unk.json",
        "onmt12-lp-wu.json",
        "onmt12-lp-avg.json",
        "onmt12-ngram.json",
        "onmt12-ngram1.json",
        "onmt12-coverage.json",
    ] {
        if repo().join("fixtures/golden").join(f).exists() {
            assert_opennmt_parity(f, &e, true);
        } else {
            panic!("fixture {f} is missing: run tools/fixtures");
        }
    }
}

/// `replace_unk` where OpenNMT-py 1.2 really replaces (issue #11). The committed model never
/// emits `<unk>`, so `onmt12-replace-unk.json` equals plain beam 5; `fixtures/onmt12-unk` is
/// that checkpoint with the generator's `<unk>` bias raised by 9.5 (tools/fixtures/
/// derive_onmt12_unk.py). Each golden prediction lists `unk_positions`, the tokens that were
/// `<unk>` before 1.2 copied the most-attended source token.
#[test]
fn opennmt_1_2_replace_unk_really_replaces() {
    let file = "onmt12-unk-replace-unk.json";
    let e = engine_for("onmt12-unk/model.pt");
    assert_opennmt_parity(file, &e, true);

    // The golden must keep exercising replacement: count it, so a regenerated file (or
    // another model) without `<unk>` cannot pass silently.
    let g = load(file);
    assert_eq!(g.doc["options"]["replace_unk"], Value::Bool(true), "{file}: replace_unk off");
    let cases = g.doc["cases"].as_array().expect("cases");
    let positions = |p: &Value| -> Vec<usize> {
        p["unk_positions"]
            .as_array()
            .expect("unk_positions")
            .iter()
            .map(|k| k.as_u64().expect("position") as usize)
            .collect()
    };
    let (mut hyps_replaced, mut tokens_replaced, mut top1_replaced, mut with_attention) = (0, 0, 0, 0);
    for case in cases {
        let source: Vec<&str> = case["source"].as_str().expect("source").split(' ').collect();
        for (n, p) in case["predictions"].as_array().expect("predictions").iter().enumerate() {
            let unk = positions(p);
            let tokens = p["tokens"].as_array().expect("tokens");
            for &k in &unk {
                let t = tokens[k].as_str().expect("token");
                assert!(t != "<unk>" && source.contains(&t), "{file}: replaced token {t:?} is not a source token");
            }
            if !unk.is_empty() {
                hyps_replaced += 1;
                tokens_replaced += unk.len();
                top1_replaced += usize::from(n == 0);
                with_attention += usize::from(p.get("attention").is_some());
            }
        }
    }
    eprintln!(
        "{file}: {hyps_replaced} hypotheses with {tokens_replaced} replaced <unk> ({top1_replaced} top-1, {with_attention} with attention)"
    );
    assert_eq!(g.doc["hypotheses_with_replacement"].as_u64(), Some(hyps_replaced as u64), "{file}: header count");
    assert_eq!(g.doc["replaced_tokens"].as_u64(), Some(tokens_replaced as u64), "{file}: header count");
    assert!(hyps_replaced >= 300, "{file}: only {hyps_replaced} hypotheses with a replaced <unk>");
    assert!(top1_replaced >= 60, "{file}: only {top1_replaced} top-1 hypotheses with a replaced <unk>");
    assert!(tokens_replaced >= 2000, "{file}: only {tokens_replaced} replaced <unk> tokens");
    assert!(with_attention >= 5, "{file}: only {with_attention} replaced hypotheses carry attention");

    // Same search without replace_unk: our `<unk>` sit exactly where 1.2's were, and every
    // other token is unchanged.
    let mut opts: TranslateOptions = serde_json::from_value(g.doc["options"].clone()).expect("options");
    opts.beam_compat = e.default_options().beam_compat;
    opts.batch_size = 16;
    let sources: Vec<String> = cases.iter().map(|c| c["source"].as_str().expect("source").to_string()).collect();
    let with = e.translate(&sources, &opts).expect("translate");
    opts.replace_unk = false;
    let without = e.translate(&sources, &opts).expect("translate");
    let mut checked = 0;
    for (i, case) in cases.iter().enumerate() {
        let wanted = hyps(&case["predictions"]);
        for (n, p) in case["predictions"].as_array().expect("predictions").iter().enumerate() {
            let want = &wanted[n].tokens;
            let (Some(a), Some(b)) = (with[i].predictions.get(n), without[i].predictions.get(n)) else { continue };
            if &a.tokens != want {
                continue; // a near-tie ranked differently (allowed on <= 1 % of the lists)
            }
            assert_eq!(b.tokens.len(), want.len(), "{file} input {i} hypothesis {n}: lengths");
            let ours: Vec<usize> = (0..b.tokens.len()).filter(|&k| b.tokens[k] == "<unk>").collect();
            assert_eq!(ours, positions(p), "{file} input {i} hypothesis {n}: <unk> positions");
            for (k, (x, y)) in b.tokens.iter().zip(want).enumerate() {
                assert!(x == y || ours.contains(&k), "{file} input {i} hypothesis {n}: token {k}");
            }
            checked += usize::from(!ours.is_empty());
        }
    }
    assert!(checked * 100 >= hyps_replaced * 99, "{file}: <unk> positions checked on {checked}/{hyps_replaced}");
}

/// The derived `<unk>` fixture is the committed 1.2 checkpoint with one number changed: the
/// generator bias of the target `<unk>`, raised by 9.5.
#[test]
fn onmt12_unk_fixture_differs_only_in_unk_bias() {
    let load = |m: &str| {
        retort_import::import_path(&repo().join("fixtures").join(m), Some(TokenizerKind::Smiles))
            .unwrap_or_else(|e| panic!("{m}: {e}"))
    };
    let (base, unk) = (load("onmt12/model_zip.pt"), load("onmt12-unk/model.pt"));
    assert_eq!(unk.meta.spec, base.meta.spec);
    assert_eq!(unk.tensors.len(), base.tensors.len());
    let mut changed = Vec::new();
    for (name, t) in &base.tensors {
        let o = unk.tensors.get(name).unwrap_or_else(|| panic!("missing {name}"));
        assert_eq!(o.shape, t.shape, "{name}");
        for (k, (a, b)) in o.values().iter().zip(t.values().iter()).enumerate() {
            if a != b {
                changed.push((name.clone(), t.shape.clone(), k, a - b));
            }
        }
    }
    assert_eq!(changed.len(), 1, "changed elements: {changed:?}");
    let (name, shape, k, delta) = &changed[0];
    assert_eq!(*k, base.meta.spec.special.tgt_unk as usize, "{name}: changed index");
    assert_eq!(shape.iter().product::<usize>(), base.meta.spec.tgt_vocab_size, "{name}: not a vocabulary-sized bias");
    assert!((delta - 9.5).abs() < 1e-5, "{name}: <unk> bias raised by {delta}");
}

/// OpenNMT-py 1.2's greedy search reports only the last step's log-prob, so its scores are
/// not comparable; tokens must match, and our cumulative score is checked against
/// CTranslate2's greedy on the same weights.
#[test]
fn opennmt_1_2_greedy_tokens() {
    let e = engine_for("onmt12/model_zip.pt");
    assert_opennmt_parity("onmt12-greedy.json", &e, false);
}

#[test]
fn opennmt_3_5_checkpoint() {
    let e = engine_for("onmt35/model.pt");
    assert_opennmt_parity("onmt35-beam5.json", &e, true);
    assert_opennmt_parity("onmt35-greedy.json", &e, false);
    // 3.x blocks n-grams per hypothesis (1.2 shared the sets between beams) and stops an
    // input only when its top beam finishes at the current step: the bundle carries that.
    assert_opennmt_parity("onmt35-ngram.json", &e, true);
}

/// CTranslate2 renormalizes under min_length and ranks finished beams differently: compare
/// top-1 (tokens and score) as the project promises.
fn assert_ct2_top1(file: &str, engine: &Engine, min_agree_pct: usize, max_score_diff: f64) {
    let g = load(file);
    let r = run(&g, engine, true);
    assert!(r.top1_equal * 100 >= r.inputs * min_agree_pct, "{file}: top-1 equal on {}/{}", r.top1_equal, r.inputs);
    assert!(r.max_score_diff <= max_score_diff, "{file}: score diff {}", r.max_score_diff);
    assert!(r.max_attn_diff <= 1e-4, "{file}: attention diff {}", r.max_attn_diff);
}

#[test]
fn ctranslate2_converted_model() {
    let e = engine_for("ct2/onmt12-f32");
    assert_ct2_top1("ct2-greedy.json", &e, 100, 1e-4);
    assert_ct2_top1("ct2-beam5.json", &e, 99, 1e-4);
}

#[test]
fn ctranslate2_int8_model() {
    // We dequantize int8 weights to f32 and compute in f32; CTranslate2 also quantizes the
    // activations. So the imported int8 model must stay close to the float32 reference, and
    // agrees with CTranslate2's own int8 run only as far as int8 arithmetic allows.
    // This tiny model has small margins: CTranslate2's own int8 run agrees with its float32
    // run on 143/216 top-1 (66 %); we measured 169/216 against float32 and 148/216 against
    // CTranslate2 int8.
    let e = engine_for("ct2/onmt12-int8");
    let f32_ref = run(&load("ct2-beam5.json"), &e, true);
    assert!(
        f32_ref.top1_equal * 100 >= f32_ref.inputs * 70,
        "int8 vs float32: top-1 equal on {}/{}",
        f32_ref.top1_equal,
        f32_ref.inputs
    );
    let r = run(&load("ct2-int8-beam5.json"), &e, true);
    assert!(
        r.top1_equal * 100 >= r.inputs * 60,
        "int8 vs CTranslate2 int8: top-1 equal on {}/{}",
        r.top1_equal,
        r.inputs
    );
}

#[test]
fn checkpoint_generations_give_identical_models() {
    let zip = retort_import::import_path(&repo().join("fixtures/onmt12/model_zip.pt"), Some(TokenizerKind::Smiles))
        .expect("zip");
    for other in ["onmt12/model_legacy.pt", "onmt12/model_legacy_optim.pt", "ct2/onmt12-f32"] {
        let b = retort_import::import_path(&repo().join("fixtures").join(other), Some(TokenizerKind::Smiles))
            .unwrap_or_else(|e| panic!("{other}: {e}"));
        // CTranslate2 runs its LayerNorms with its own epsilon; everything else must agree.
        let mut spec = b.meta.spec.clone();
        if other.starts_with("ct2/") {
            spec.layer_norm_eps = zip.meta.spec.layer_norm_eps;
        }
        assert_eq!(spec, zip.meta.spec, "{other}: spec");
        for (name, t) in &zip.tensors {
            let o = b.tensors.get(name).unwrap_or_else(|| panic!("{other}: missing {name}"));
            assert_eq!(o.shape, t.shape, "{other}: {name}");
            let diff = o.values().iter().zip(t.values().iter()).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(diff <= 1e-6, "{other}: {name} differs by {diff}");
        }
    }
}
