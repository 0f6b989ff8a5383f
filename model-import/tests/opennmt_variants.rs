//! OpenNMT-py checkpoint variants the real fixtures do not cover, and options that must be
//! refused: tiny synthetic checkpoints with real layouts (tests/data/make_onmt_synthetic.py).

use std::path::PathBuf;

use retort_core::spec::{names, Activation};
use retort_core::{Bundle, TokenizerKind};
use retort_import::{import_opennmt_checkpoint, ImportError};

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/onmt_synth").join(format!("{name}.pt"))
}

fn import(name: &str) -> Bundle {
    let b = import_opennmt_checkpoint(&path(name), TokenizerKind::Space).unwrap_or_else(|e| panic!("{name}: {e}"));
    b.validate().unwrap();
    let s = &b.meta.spec;
    assert_eq!((s.d_model, s.heads, s.ff, s.encoder_layers, s.decoder_layers), (8, 2, 16, 1, 1), "{name}");
    b
}

#[test]
fn onmt1x_fields_with_tied_generator() {
    let b = import("v1_fields_tied");
    let s = &b.meta.spec;
    assert!(s.tied_generator, "share_decoder_embeddings");
    assert!(!b.tensors.contains_key(names::GENERATOR_WEIGHT));
    assert!(s.generator_bias && s.attention_bias && s.ffn_bias);
    assert!(!s.shared_embeddings, "source and target vocabularies differ");
    assert_eq!(s.max_positions, 50, "the stored table's length");
    assert_eq!((s.src_vocab_size, s.tgt_vocab_size), (10, 12));
    assert_eq!((s.special.src_unk, s.special.src_pad), (0, 1));
    assert_eq!((s.special.tgt_bos, s.special.tgt_eos), (2, 3));
    assert_eq!(b.meta.provenance.source_format, "opennmt-py 1.x checkpoint (torch legacy format)");
}

#[test]
fn older_vocab_layouts_and_layer_norm_names() {
    let reference = import("v1_nested");
    for name in ["v0_field_pairs", "v0_vocab_pairs"] {
        let b = import(name);
        assert_eq!(b.meta.spec.special, reference.meta.spec.special, "{name}");
        assert_eq!(b.meta.src_tokenizer, reference.meta.src_tokenizer, "{name}");
        assert_eq!(b.meta.tgt_tokenizer, reference.meta.tgt_tokenizer, "{name}");
    }
}

#[test]
fn missing_position_table_is_generated() {
    let b = import("v1_no_pe");
    assert_eq!(b.meta.spec.max_positions, 5000);
    assert_eq!(b.tensors[names::ENC_POS].values(), retort_core::spec::sinusoidal_table(5000, 8));
    assert!(b.meta.provenance.notes.iter().any(|n| n.contains("generated")));
}

#[test]
fn onmt3x_gelu_biases_eps() {
    let b = import("v3_gelu_bias");
    let s = &b.meta.spec;
    assert_eq!(s.activation, Activation::Gelu);
    assert!(s.attention_bias && s.ffn_bias && s.generator_bias);
    assert_eq!(s.layer_norm_eps, 1e-5);
    // `optim: None` is no optimizer state.
    assert!(b.meta.provenance.notes.iter().all(|n| !n.contains("optimizer")));
    assert_eq!(s.src_vocab_size, 16);
    assert_eq!(s.tgt_vocab_size, 8);
    assert!(b.meta.provenance.source_format.starts_with("opennmt-py 3.x checkpoint (torch zip format)"));
}

#[test]
fn onmt3x_shared_embeddings() {
    let b = import("v3_shared");
    let s = &b.meta.spec;
    assert!(s.shared_embeddings);
    assert!(!b.tensors.contains_key(names::TGT_EMB));
    assert!(!s.attention_bias && !s.ffn_bias);
}

#[test]
fn unsupported_options_are_named() {
    for (name, option) in [
        ("bad_rnn", "encoder_type=rnn"),
        ("bad_relative", "max_relative_positions=20"),
        ("bad_aan", "self_attn_type=average"),
        ("bad_copy", "copy_attn=True"),
        ("bad_no_position", "position_encoding=False"),
        ("bad_rms", "layer_norm=rms"),
        ("bad_silu", "pos_ffn_activation_fn=silu"),
        ("bad_parallel", "parallel_residual=True"),
        ("bad_num_kv", "num_kv=1"),
        ("bad_rotary", "max_relative_positions=-1"),
        ("bad_lm", "data_task=lm"),
    ] {
        match import_opennmt_checkpoint(&path(name), TokenizerKind::Space) {
            Err(e @ ImportError::Unsupported(_)) => {
                let msg = e.to_string();
                assert!(msg.contains(option), "{name}: '{msg}' should name {option}");
                assert!(msg.contains(&format!("{name}.pt")), "{name}: '{msg}' should name the file");
            }
            Err(other) => panic!("{name}: expected Unsupported, got {other}"),
            Ok(_) => panic!("{name}: imported"),
        }
    }
}
