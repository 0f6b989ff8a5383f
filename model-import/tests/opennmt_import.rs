//! Importing real OpenNMT-py checkpoints (fixtures/onmt12 from OpenNMT-py 1.2.0, fixtures/onmt35
//! from 3.5.1; see tools/fixtures/README.md) without Python.

use std::path::{Path, PathBuf};

use retort_core::spec::{names, Activation, NormPosition, PositionKind};
use retort_core::{Bundle, StorageType, TokenizerKind, TranslateOptions};
use retort_import::{import_opennmt_checkpoint, ImportError};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(rel)
}

fn import(rel: &str) -> Bundle {
    import_opennmt_checkpoint(&fixture(rel), TokenizerKind::Smiles).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("retort-import-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The 1.2 fixture: 2+2 layers, d 64, 4 heads, ff 128, shared vocabulary and embeddings.
fn check_onmt12(b: &Bundle, file: &str, format: &str) {
    b.validate().unwrap();
    let s = &b.meta.spec;
    assert_eq!((s.d_model, s.heads, s.ff, s.encoder_layers, s.decoder_layers), (64, 4, 128, 2, 2));
    assert_eq!(s.norm, NormPosition::Pre);
    assert_eq!(s.layer_norm_eps, 1e-6);
    assert_eq!(s.activation, Activation::Relu);
    assert_eq!(s.position, PositionKind::Sinusoidal);
    assert_eq!(s.max_positions, 5000);
    assert_eq!(s.embedding_scale, 8.0);
    assert!(s.shared_embeddings, "-share_embeddings with -share_vocab");
    assert_eq!(s.src_vocab_size, s.tgt_vocab_size);
    assert!(!s.tied_generator, "share_decoder_embeddings was not set");
    assert!(s.generator_bias && s.attention_bias && s.ffn_bias);
    // torchtext puts the specials first: <unk> <blank> <s> </s>; the source has no BOS/EOS.
    let sp = &s.special;
    assert_eq!((sp.src_unk, sp.src_pad, sp.src_bos, sp.src_eos), (0, 1, None, None));
    assert_eq!((sp.tgt_unk, sp.tgt_pad, sp.tgt_bos, sp.tgt_eos), (0, 1, 2, 3));
    assert!(b.tensors.contains_key(names::SRC_EMB) && !b.tensors.contains_key(names::TGT_EMB));
    assert_eq!(b.meta.decoding, TranslateOptions::default());
    assert_eq!(b.meta.decoding.beam_size, 5);
    assert_eq!(b.meta.decoding.max_length, 100);
    assert_eq!(b.meta.tokenizer_kind, TokenizerKind::Smiles);
    let p = &b.meta.provenance;
    assert_eq!(p.source_format, format!("opennmt-py 1.x checkpoint ({format})"));
    assert_eq!(p.source_name, file);
    assert_eq!(p.source_sha256.len(), 64);
    assert!(p.imported_by.starts_with("retort-import "));
    assert_eq!(b.meta.name, file.trim_end_matches(".pt"));

    // The stored position table is OpenNMT-py's sinusoid.
    let pos = &b.tensors[names::ENC_POS];
    let want = retort_core::spec::sinusoidal_table(5000, 64);
    let worst = pos.values().iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(worst < 2e-3, "stored table differs from the sinusoid by {worst}");
    assert_eq!(b.tensors[names::ENC_POS], b.tensors[names::DEC_POS]);

    // The tokenizers carry the vocabulary in id order.
    let tok = retort_core::tokenize::SideTokenizer::from_json(&b.meta.tgt_tokenizer, TokenizerKind::Smiles).unwrap();
    assert_eq!(tok.vocab_size(), s.tgt_vocab_size);
    assert_eq!(tok.id_to_token(2), Some("<s>"));
    assert_eq!(tok.id_to_token(3), Some("</s>"));
    let src = retort_core::tokenize::SideTokenizer::from_json(&b.meta.src_tokenizer, TokenizerKind::Smiles).unwrap();
    let toks = src.tokenize("CC(=O)Cl").unwrap();
    assert_eq!(toks, vec!["C", "C", "(", "=", "O", ")", "Cl"]);
    assert!(toks.iter().all(|t| src.token_to_id(t).is_some()), "SMILES tokens are in the vocabulary");
}

#[test]
fn onmt12_zip() {
    let b = import("onmt12/model_zip.pt");
    check_onmt12(&b, "model_zip.pt", "torch zip format");
    // The bundle survives serialization.
    let back = Bundle::from_bytes(&b.to_bytes(StorageType::F32).unwrap()).unwrap();
    assert_eq!(back.tensors, b.tensors);
    assert_eq!(back.meta, b.meta);
}

#[test]
fn onmt12_legacy_equals_zip() {
    let zip = import("onmt12/model_zip.pt");
    let legacy = import("onmt12/model_legacy.pt");
    check_onmt12(&legacy, "model_legacy.pt", "torch legacy format");
    assert_eq!(legacy.meta.spec, zip.meta.spec);
    assert_eq!(legacy.meta.src_tokenizer, zip.meta.src_tokenizer);
    assert_eq!(legacy.meta.tgt_tokenizer, zip.meta.tgt_tokenizer);
    assert_eq!(legacy.tensors.len(), zip.tensors.len());
    for (name, t) in &zip.tensors {
        assert_eq!(legacy.tensors.get(name), Some(t), "tensor {name} differs between legacy and zip");
    }
}

#[test]
fn onmt12_with_optimizer_state() {
    let b = import("onmt12/model_legacy_optim.pt");
    check_onmt12(&b, "model_legacy_optim.pt", "torch legacy format");
    assert!(b.meta.provenance.notes.iter().any(|n| n.contains("optimizer")));
    let plain = import("onmt12/model_legacy.pt");
    assert_eq!(b.tensors, plain.tensors);
}

#[test]
fn onmt35() {
    let b = import("onmt35/model.pt");
    b.validate().unwrap();
    let s = &b.meta.spec;
    assert_eq!((s.d_model, s.heads, s.ff, s.encoder_layers, s.decoder_layers), (64, 4, 128, 2, 2));
    assert!(!s.shared_embeddings, "share_embeddings: false");
    assert!(b.tensors.contains_key(names::TGT_EMB));
    // 3.5.1 defaults: no bias on attention nor FFN, the generator keeps its bias.
    assert!(!s.attention_bias && !s.ffn_bias);
    assert!(s.generator_bias);
    assert_eq!(s.activation, Activation::Relu);
    assert_eq!(s.src_vocab_size % 8, 0, "vocabularies are padded to a multiple of 8");
    assert_eq!(s.tgt_vocab_size % 8, 0);
    let tok = retort_core::tokenize::SideTokenizer::from_json(&b.meta.tgt_tokenizer, TokenizerKind::Smiles).unwrap();
    assert_eq!(tok.id_to_token(s.special.tgt_bos), Some("<s>"));
    assert_eq!(tok.id_to_token(s.special.tgt_eos), Some("</s>"));
    assert_eq!(tok.id_to_token(s.special.tgt_pad), Some("<blank>"));
    assert_eq!(tok.id_to_token(s.special.tgt_unk), Some("<unk>"));
    assert_eq!((s.special.src_bos, s.special.src_eos), (None, None));
    assert!(
        b.meta.provenance.source_format.starts_with("opennmt-py 3.x checkpoint"),
        "{}",
        b.meta.provenance.source_format
    );
}

fn expect_format_error(path: &Path, needle: &str) {
    match import_opennmt_checkpoint(path, TokenizerKind::Smiles) {
        Err(e @ ImportError::Format(_)) => {
            let msg = e.to_string();
            assert!(msg.contains(needle), "{}: error '{msg}' should mention '{needle}'", path.display());
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(msg.contains(name.as_ref()), "error '{msg}' should name the file");
        }
        Err(other) => panic!("{}: expected a format error, got {other}", path.display()),
        Ok(_) => panic!("{}: imported", path.display()),
    }
}

#[test]
fn truncated_and_foreign_files_are_refused() {
    for rel in ["onmt12/model_zip.pt", "onmt12/model_legacy.pt"] {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        let stem = rel.replace('/', "_");
        for (cut, needle) in [(bytes.len() / 2, ""), (bytes.len() - 100, ""), (200, "")] {
            let p = scratch(&format!("{stem}-cut{cut}.pt"));
            std::fs::write(&p, &bytes[..cut]).unwrap();
            expect_format_error(&p, needle);
        }
    }
    let bytes = std::fs::read(fixture("onmt12/model_legacy.pt")).unwrap();
    let p = scratch("legacy-cut-in-storage.pt");
    std::fs::write(&p, &bytes[..bytes.len() - 100]).unwrap();
    expect_format_error(&p, "truncated");

    let p = scratch("notes.txt");
    std::fs::write(&p, "C C O >> C C = O\n").unwrap();
    expect_format_error(&p, "not a PyTorch checkpoint");

    // A torch file that is not an OpenNMT-py checkpoint.
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/torch_zip.pt");
    expect_format_error(&p, "no 'vocab'");

    let missing = scratch("does-not-exist.pt");
    assert!(matches!(import_opennmt_checkpoint(&missing, TokenizerKind::Smiles), Err(ImportError::Io { .. })));
}

/// CTranslate2's converter read the same checkpoint with torch and OpenNMT-py: its vocabulary
/// and f32 weights must be what this importer reads without them.
#[test]
fn onmt12_matches_ctranslate2_conversion() {
    let ours = import("onmt12/model_zip.pt");
    let vocab: Vec<String> =
        serde_json::from_slice(&std::fs::read(fixture("ct2/onmt12-f32/shared_vocabulary.json")).unwrap()).unwrap();
    let tok = retort_core::tokenize::SideTokenizer::from_json(&ours.meta.src_tokenizer, TokenizerKind::Smiles).unwrap();
    let ours_vocab: Vec<String> =
        (0..tok.vocab_size() as u32).map(|i| tok.id_to_token(i).unwrap().to_string()).collect();
    assert_eq!(ours_vocab, vocab);

    let ct2 =
        retort_import::ctranslate2::import_ctranslate2_dir(&fixture("ct2/onmt12-f32"), Some(TokenizerKind::Smiles))
            .unwrap();
    let (a, b) = (&ours.meta.spec, &ct2.meta.spec);
    assert_eq!(
        (a.d_model, a.heads, a.ff, a.encoder_layers, a.decoder_layers),
        (b.d_model, b.heads, b.ff, b.encoder_layers, b.decoder_layers)
    );
    assert_eq!(a.special, b.special);
    let mut compared = 0;
    for (name, t) in &ours.tensors {
        if name == names::ENC_POS || name == names::DEC_POS {
            continue; // CTranslate2 may store or regenerate the table
        }
        if let Some(u) = ct2.tensors.get(name) {
            assert_eq!(t.shape, u.shape, "{name}");
            let worst = t.values().iter().zip(u.values().iter()).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
            assert!(worst <= 1e-6, "{name} differs from CTranslate2's by {worst}");
            compared += 1;
        }
    }
    assert!(compared >= ours.tensors.len() - 3, "only {compared} of {} tensors compared", ours.tensors.len());
}
