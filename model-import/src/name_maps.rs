//! Where each Retort tensor comes from, per source format: the declarative half of the
//! importers (see [`crate::tensor_table`] for how a table is read). Side by side, the three
//! tables show how the formats name the same Transformer.

use retort_core::spec::names;

use crate::tensor_table::BiasGroup::{Attention, FeedForward};
use crate::tensor_table::Dim::{Ff, SrcVocab, TgtVocab, D};
use crate::tensor_table::Need::{Bias, Dropped, Optional, PreNormOnly, UnlessShared, UnlessTied};
use crate::tensor_table::Rule;
use crate::tensor_table::Scope::{DecoderLayer as Dec, EncoderLayer as Enc, Model};

/// OpenNMT-py checkpoints (every generation). Names under `generator.` are in the checkpoint's
/// separate generator state dict (`0.weight` in 1.x/2.x, `weight` in 3.x).
pub const OPENNMT: &[Rule] = &[
    Rule::new(Enc, "self_attn.q.weight", &["encoder.transformer.{layer}.self_attn.linear_query.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.q.bias", &["encoder.transformer.{layer}.self_attn.linear_query.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Enc, "self_attn.k.weight", &["encoder.transformer.{layer}.self_attn.linear_keys.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.k.bias", &["encoder.transformer.{layer}.self_attn.linear_keys.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Enc, "self_attn.v.weight", &["encoder.transformer.{layer}.self_attn.linear_values.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.v.bias", &["encoder.transformer.{layer}.self_attn.linear_values.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Enc, "self_attn.o.weight", &["encoder.transformer.{layer}.self_attn.final_linear.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.o.bias", &["encoder.transformer.{layer}.self_attn.final_linear.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Enc, "norm_attn.weight", &["encoder.transformer.{layer}.layer_norm.weight"], &[D]),
    Rule::new(Enc, "norm_attn.bias", &["encoder.transformer.{layer}.layer_norm.bias"], &[D]),
    Rule::new(Enc, "ffn.w1.weight", &["encoder.transformer.{layer}.feed_forward.w_1.weight"], &[Ff, D]),
    Rule::new(Enc, "ffn.w1.bias", &["encoder.transformer.{layer}.feed_forward.w_1.bias"], &[Ff])
        .need(Bias(FeedForward)),
    Rule::new(Enc, "ffn.w2.weight", &["encoder.transformer.{layer}.feed_forward.w_2.weight"], &[D, Ff]),
    Rule::new(Enc, "ffn.w2.bias", &["encoder.transformer.{layer}.feed_forward.w_2.bias"], &[D]).need(Bias(FeedForward)),
    Rule::new(Enc, "norm_ffn.weight", &["encoder.transformer.{layer}.feed_forward.layer_norm.weight"], &[D]),
    Rule::new(Enc, "norm_ffn.bias", &["encoder.transformer.{layer}.feed_forward.layer_norm.bias"], &[D]),
    //
    Rule::new(
        Dec,
        "self_attn.q.weight",
        &["decoder.transformer_layers.{layer}.self_attn.linear_query.weight"],
        &[D, D],
    ),
    Rule::new(Dec, "self_attn.q.bias", &["decoder.transformer_layers.{layer}.self_attn.linear_query.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Dec, "self_attn.k.weight", &["decoder.transformer_layers.{layer}.self_attn.linear_keys.weight"], &[D, D]),
    Rule::new(Dec, "self_attn.k.bias", &["decoder.transformer_layers.{layer}.self_attn.linear_keys.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(
        Dec,
        "self_attn.v.weight",
        &["decoder.transformer_layers.{layer}.self_attn.linear_values.weight"],
        &[D, D],
    ),
    Rule::new(Dec, "self_attn.v.bias", &["decoder.transformer_layers.{layer}.self_attn.linear_values.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(
        Dec,
        "self_attn.o.weight",
        &["decoder.transformer_layers.{layer}.self_attn.final_linear.weight"],
        &[D, D],
    ),
    Rule::new(Dec, "self_attn.o.bias", &["decoder.transformer_layers.{layer}.self_attn.final_linear.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Dec, "norm_self.weight", &["decoder.transformer_layers.{layer}.layer_norm_1.weight"], &[D]),
    Rule::new(Dec, "norm_self.bias", &["decoder.transformer_layers.{layer}.layer_norm_1.bias"], &[D]),
    Rule::new(
        Dec,
        "cross_attn.q.weight",
        &["decoder.transformer_layers.{layer}.context_attn.linear_query.weight"],
        &[D, D],
    ),
    Rule::new(Dec, "cross_attn.q.bias", &["decoder.transformer_layers.{layer}.context_attn.linear_query.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(
        Dec,
        "cross_attn.k.weight",
        &["decoder.transformer_layers.{layer}.context_attn.linear_keys.weight"],
        &[D, D],
    ),
    Rule::new(Dec, "cross_attn.k.bias", &["decoder.transformer_layers.{layer}.context_attn.linear_keys.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(
        Dec,
        "cross_attn.v.weight",
        &["decoder.transformer_layers.{layer}.context_attn.linear_values.weight"],
        &[D, D],
    ),
    Rule::new(Dec, "cross_attn.v.bias", &["decoder.transformer_layers.{layer}.context_attn.linear_values.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(
        Dec,
        "cross_attn.o.weight",
        &["decoder.transformer_layers.{layer}.context_attn.final_linear.weight"],
        &[D, D],
    ),
    Rule::new(Dec, "cross_attn.o.bias", &["decoder.transformer_layers.{layer}.context_attn.final_linear.bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Dec, "norm_cross.weight", &["decoder.transformer_layers.{layer}.layer_norm_2.weight"], &[D]),
    Rule::new(Dec, "norm_cross.bias", &["decoder.transformer_layers.{layer}.layer_norm_2.bias"], &[D]),
    Rule::new(Dec, "ffn.w1.weight", &["decoder.transformer_layers.{layer}.feed_forward.w_1.weight"], &[Ff, D]),
    Rule::new(Dec, "ffn.w1.bias", &["decoder.transformer_layers.{layer}.feed_forward.w_1.bias"], &[Ff])
        .need(Bias(FeedForward)),
    Rule::new(Dec, "ffn.w2.weight", &["decoder.transformer_layers.{layer}.feed_forward.w_2.weight"], &[D, Ff]),
    Rule::new(Dec, "ffn.w2.bias", &["decoder.transformer_layers.{layer}.feed_forward.w_2.bias"], &[D])
        .need(Bias(FeedForward)),
    Rule::new(Dec, "norm_ffn.weight", &["decoder.transformer_layers.{layer}.feed_forward.layer_norm.weight"], &[D]),
    Rule::new(Dec, "norm_ffn.bias", &["decoder.transformer_layers.{layer}.feed_forward.layer_norm.bias"], &[D]),
    // Old releases kept the causal mask as a buffer.
    Rule::new(Dec, "", &["decoder.transformer_layers.{layer}.mask"], &[]).need(Dropped),
    //
    Rule::new(Model, "enc.norm.weight", &["encoder.layer_norm.weight"], &[D]).need(PreNormOnly),
    Rule::new(Model, "enc.norm.bias", &["encoder.layer_norm.bias"], &[D]).need(PreNormOnly),
    Rule::new(Model, "dec.norm.weight", &["decoder.layer_norm.weight"], &[D]).need(PreNormOnly),
    Rule::new(Model, "dec.norm.bias", &["decoder.layer_norm.bias"], &[D]).need(PreNormOnly),
    Rule::new(Model, names::SRC_EMB, &["encoder.embeddings.make_embedding.emb_luts.0.weight"], &[SrcVocab, D]),
    Rule::new(Model, names::TGT_EMB, &["decoder.embeddings.make_embedding.emb_luts.0.weight"], &[TgtVocab, D])
        .need(UnlessShared),
    Rule::new(Model, names::GENERATOR_WEIGHT, &["generator.0.weight", "generator.weight"], &[TgtVocab, D])
        .need(UnlessTied),
    Rule::new(Model, names::GENERATOR_BIAS, &["generator.0.bias", "generator.bias"], &[TgtVocab]).need(Optional),
];

/// CTranslate2 `model.bin` (names after the revision-1 renaming). Self-attention q/k/v are one
/// fused `[3d, d]` projection, cross-attention k/v one `[2d, d]`; biases dropped by the
/// converter (all zeros) are zeros again.
pub const CTRANSLATE2: &[Rule] = &[
    Rule::new(Enc, "self_attn.q.weight", &["encoder/layer_{layer}/self_attention/linear_0/weight"], &[D, D])
        .row_block(0, 3),
    Rule::new(Enc, "self_attn.q.bias", &["encoder/layer_{layer}/self_attention/linear_0/bias"], &[D])
        .row_block(0, 3)
        .need(Bias(Attention)),
    Rule::new(Enc, "self_attn.k.weight", &["encoder/layer_{layer}/self_attention/linear_0/weight"], &[D, D])
        .row_block(1, 3),
    Rule::new(Enc, "self_attn.k.bias", &["encoder/layer_{layer}/self_attention/linear_0/bias"], &[D])
        .row_block(1, 3)
        .need(Bias(Attention)),
    Rule::new(Enc, "self_attn.v.weight", &["encoder/layer_{layer}/self_attention/linear_0/weight"], &[D, D])
        .row_block(2, 3),
    Rule::new(Enc, "self_attn.v.bias", &["encoder/layer_{layer}/self_attention/linear_0/bias"], &[D])
        .row_block(2, 3)
        .need(Bias(Attention)),
    Rule::new(Enc, "self_attn.o.weight", &["encoder/layer_{layer}/self_attention/linear_1/weight"], &[D, D]),
    Rule::new(Enc, "self_attn.o.bias", &["encoder/layer_{layer}/self_attention/linear_1/bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Enc, "norm_attn.weight", &["encoder/layer_{layer}/self_attention/layer_norm/gamma"], &[D]),
    Rule::new(Enc, "norm_attn.bias", &["encoder/layer_{layer}/self_attention/layer_norm/beta"], &[D]),
    Rule::new(Enc, "ffn.w1.weight", &["encoder/layer_{layer}/ffn/linear_0/weight"], &[Ff, D]),
    Rule::new(Enc, "ffn.w1.bias", &["encoder/layer_{layer}/ffn/linear_0/bias"], &[Ff]).need(Bias(FeedForward)),
    Rule::new(Enc, "ffn.w2.weight", &["encoder/layer_{layer}/ffn/linear_1/weight"], &[D, Ff]),
    Rule::new(Enc, "ffn.w2.bias", &["encoder/layer_{layer}/ffn/linear_1/bias"], &[D]).need(Bias(FeedForward)),
    Rule::new(Enc, "norm_ffn.weight", &["encoder/layer_{layer}/ffn/layer_norm/gamma"], &[D]),
    Rule::new(Enc, "norm_ffn.bias", &["encoder/layer_{layer}/ffn/layer_norm/beta"], &[D]),
    //
    Rule::new(Dec, "self_attn.q.weight", &["decoder/layer_{layer}/self_attention/linear_0/weight"], &[D, D])
        .row_block(0, 3),
    Rule::new(Dec, "self_attn.q.bias", &["decoder/layer_{layer}/self_attention/linear_0/bias"], &[D])
        .row_block(0, 3)
        .need(Bias(Attention)),
    Rule::new(Dec, "self_attn.k.weight", &["decoder/layer_{layer}/self_attention/linear_0/weight"], &[D, D])
        .row_block(1, 3),
    Rule::new(Dec, "self_attn.k.bias", &["decoder/layer_{layer}/self_attention/linear_0/bias"], &[D])
        .row_block(1, 3)
        .need(Bias(Attention)),
    Rule::new(Dec, "self_attn.v.weight", &["decoder/layer_{layer}/self_attention/linear_0/weight"], &[D, D])
        .row_block(2, 3),
    Rule::new(Dec, "self_attn.v.bias", &["decoder/layer_{layer}/self_attention/linear_0/bias"], &[D])
        .row_block(2, 3)
        .need(Bias(Attention)),
    Rule::new(Dec, "self_attn.o.weight", &["decoder/layer_{layer}/self_attention/linear_1/weight"], &[D, D]),
    Rule::new(Dec, "self_attn.o.bias", &["decoder/layer_{layer}/self_attention/linear_1/bias"], &[D])
        .need(Bias(Attention)),
    Rule::new(Dec, "norm_self.weight", &["decoder/layer_{layer}/self_attention/layer_norm/gamma"], &[D]),
    Rule::new(Dec, "norm_self.bias", &["decoder/layer_{layer}/self_attention/layer_norm/beta"], &[D]),
    Rule::new(Dec, "cross_attn.q.weight", &["decoder/layer_{layer}/attention/linear_0/weight"], &[D, D]),
    Rule::new(Dec, "cross_attn.q.bias", &["decoder/layer_{layer}/attention/linear_0/bias"], &[D]).need(Bias(Attention)),
    Rule::new(Dec, "cross_attn.k.weight", &["decoder/layer_{layer}/attention/linear_1/weight"], &[D, D])
        .row_block(0, 2),
    Rule::new(Dec, "cross_attn.k.bias", &["decoder/layer_{layer}/attention/linear_1/bias"], &[D])
        .row_block(0, 2)
        .need(Bias(Attention)),
    Rule::new(Dec, "cross_attn.v.weight", &["decoder/layer_{layer}/attention/linear_1/weight"], &[D, D])
        .row_block(1, 2),
    Rule::new(Dec, "cross_attn.v.bias", &["decoder/layer_{layer}/attention/linear_1/bias"], &[D])
        .row_block(1, 2)
        .need(Bias(Attention)),
    Rule::new(Dec, "cross_attn.o.weight", &["decoder/layer_{layer}/attention/linear_2/weight"], &[D, D]),
    Rule::new(Dec, "cross_attn.o.bias", &["decoder/layer_{layer}/attention/linear_2/bias"], &[D]).need(Bias(Attention)),
    Rule::new(Dec, "norm_cross.weight", &["decoder/layer_{layer}/attention/layer_norm/gamma"], &[D]),
    Rule::new(Dec, "norm_cross.bias", &["decoder/layer_{layer}/attention/layer_norm/beta"], &[D]),
    Rule::new(Dec, "ffn.w1.weight", &["decoder/layer_{layer}/ffn/linear_0/weight"], &[Ff, D]),
    Rule::new(Dec, "ffn.w1.bias", &["decoder/layer_{layer}/ffn/linear_0/bias"], &[Ff]).need(Bias(FeedForward)),
    Rule::new(Dec, "ffn.w2.weight", &["decoder/layer_{layer}/ffn/linear_1/weight"], &[D, Ff]),
    Rule::new(Dec, "ffn.w2.bias", &["decoder/layer_{layer}/ffn/linear_1/bias"], &[D]).need(Bias(FeedForward)),
    Rule::new(Dec, "norm_ffn.weight", &["decoder/layer_{layer}/ffn/layer_norm/gamma"], &[D]),
    Rule::new(Dec, "norm_ffn.bias", &["decoder/layer_{layer}/ffn/layer_norm/beta"], &[D]),
    //
    Rule::new(Model, "enc.norm.weight", &["encoder/layer_norm/gamma"], &[D]).need(PreNormOnly),
    Rule::new(Model, "enc.norm.bias", &["encoder/layer_norm/beta"], &[D]).need(PreNormOnly),
    Rule::new(Model, "dec.norm.weight", &["decoder/layer_norm/gamma"], &[D]).need(PreNormOnly),
    Rule::new(Model, "dec.norm.bias", &["decoder/layer_norm/beta"], &[D]).need(PreNormOnly),
    Rule::new(Model, names::SRC_EMB, &["encoder/embeddings/weight", "encoder/embeddings_0/weight"], &[SrcVocab, D]),
    Rule::new(Model, names::TGT_EMB, &["decoder/embeddings/weight"], &[TgtVocab, D]).need(UnlessShared),
    Rule::new(Model, names::GENERATOR_WEIGHT, &["decoder/projection/weight"], &[TgtVocab, D]).need(UnlessTied),
    Rule::new(Model, names::GENERATOR_BIAS, &["decoder/projection/bias"], &[TgtVocab]).need(Optional),
];

/// ANNalog's PyTorch state dict (the seq2seq tutorial's layout): post-norm, every linear
/// with a bias, separate embeddings and generator.
pub const ANNALOG: &[Rule] = &[
    Rule::new(Enc, "self_attn.q.weight", &["encoder.layers.{layer}.self_attention.fc_q.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.q.bias", &["encoder.layers.{layer}.self_attention.fc_q.bias"], &[D]),
    Rule::new(Enc, "self_attn.k.weight", &["encoder.layers.{layer}.self_attention.fc_k.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.k.bias", &["encoder.layers.{layer}.self_attention.fc_k.bias"], &[D]),
    Rule::new(Enc, "self_attn.v.weight", &["encoder.layers.{layer}.self_attention.fc_v.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.v.bias", &["encoder.layers.{layer}.self_attention.fc_v.bias"], &[D]),
    Rule::new(Enc, "self_attn.o.weight", &["encoder.layers.{layer}.self_attention.fc_o.weight"], &[D, D]),
    Rule::new(Enc, "self_attn.o.bias", &["encoder.layers.{layer}.self_attention.fc_o.bias"], &[D]),
    Rule::new(Enc, "norm_attn.weight", &["encoder.layers.{layer}.self_attn_layer_norm.weight"], &[D]),
    Rule::new(Enc, "norm_attn.bias", &["encoder.layers.{layer}.self_attn_layer_norm.bias"], &[D]),
    Rule::new(Enc, "ffn.w1.weight", &["encoder.layers.{layer}.positionwise_feedforward.fc_1.weight"], &[Ff, D]),
    Rule::new(Enc, "ffn.w1.bias", &["encoder.layers.{layer}.positionwise_feedforward.fc_1.bias"], &[Ff]),
    Rule::new(Enc, "ffn.w2.weight", &["encoder.layers.{layer}.positionwise_feedforward.fc_2.weight"], &[D, Ff]),
    Rule::new(Enc, "ffn.w2.bias", &["encoder.layers.{layer}.positionwise_feedforward.fc_2.bias"], &[D]),
    Rule::new(Enc, "norm_ffn.weight", &["encoder.layers.{layer}.ff_layer_norm.weight"], &[D]),
    Rule::new(Enc, "norm_ffn.bias", &["encoder.layers.{layer}.ff_layer_norm.bias"], &[D]),
    //
    Rule::new(Dec, "self_attn.q.weight", &["decoder.layers.{layer}.self_attention.fc_q.weight"], &[D, D]),
    Rule::new(Dec, "self_attn.q.bias", &["decoder.layers.{layer}.self_attention.fc_q.bias"], &[D]),
    Rule::new(Dec, "self_attn.k.weight", &["decoder.layers.{layer}.self_attention.fc_k.weight"], &[D, D]),
    Rule::new(Dec, "self_attn.k.bias", &["decoder.layers.{layer}.self_attention.fc_k.bias"], &[D]),
    Rule::new(Dec, "self_attn.v.weight", &["decoder.layers.{layer}.self_attention.fc_v.weight"], &[D, D]),
    Rule::new(Dec, "self_attn.v.bias", &["decoder.layers.{layer}.self_attention.fc_v.bias"], &[D]),
    Rule::new(Dec, "self_attn.o.weight", &["decoder.layers.{layer}.self_attention.fc_o.weight"], &[D, D]),
    Rule::new(Dec, "self_attn.o.bias", &["decoder.layers.{layer}.self_attention.fc_o.bias"], &[D]),
    Rule::new(Dec, "norm_self.weight", &["decoder.layers.{layer}.self_attn_layer_norm.weight"], &[D]),
    Rule::new(Dec, "norm_self.bias", &["decoder.layers.{layer}.self_attn_layer_norm.bias"], &[D]),
    Rule::new(Dec, "cross_attn.q.weight", &["decoder.layers.{layer}.encoder_attention.fc_q.weight"], &[D, D]),
    Rule::new(Dec, "cross_attn.q.bias", &["decoder.layers.{layer}.encoder_attention.fc_q.bias"], &[D]),
    Rule::new(Dec, "cross_attn.k.weight", &["decoder.layers.{layer}.encoder_attention.fc_k.weight"], &[D, D]),
    Rule::new(Dec, "cross_attn.k.bias", &["decoder.layers.{layer}.encoder_attention.fc_k.bias"], &[D]),
    Rule::new(Dec, "cross_attn.v.weight", &["decoder.layers.{layer}.encoder_attention.fc_v.weight"], &[D, D]),
    Rule::new(Dec, "cross_attn.v.bias", &["decoder.layers.{layer}.encoder_attention.fc_v.bias"], &[D]),
    Rule::new(Dec, "cross_attn.o.weight", &["decoder.layers.{layer}.encoder_attention.fc_o.weight"], &[D, D]),
    Rule::new(Dec, "cross_attn.o.bias", &["decoder.layers.{layer}.encoder_attention.fc_o.bias"], &[D]),
    Rule::new(Dec, "norm_cross.weight", &["decoder.layers.{layer}.enc_attn_layer_norm.weight"], &[D]),
    Rule::new(Dec, "norm_cross.bias", &["decoder.layers.{layer}.enc_attn_layer_norm.bias"], &[D]),
    Rule::new(Dec, "ffn.w1.weight", &["decoder.layers.{layer}.positionwise_feedforward.fc_1.weight"], &[Ff, D]),
    Rule::new(Dec, "ffn.w1.bias", &["decoder.layers.{layer}.positionwise_feedforward.fc_1.bias"], &[Ff]),
    Rule::new(Dec, "ffn.w2.weight", &["decoder.layers.{layer}.positionwise_feedforward.fc_2.weight"], &[D, Ff]),
    Rule::new(Dec, "ffn.w2.bias", &["decoder.layers.{layer}.positionwise_feedforward.fc_2.bias"], &[D]),
    Rule::new(Dec, "norm_ffn.weight", &["decoder.layers.{layer}.ff_layer_norm.weight"], &[D]),
    Rule::new(Dec, "norm_ffn.bias", &["decoder.layers.{layer}.ff_layer_norm.bias"], &[D]),
    //
    Rule::new(Model, names::SRC_EMB, &["encoder.tok_embedding.weight"], &[SrcVocab, D]),
    Rule::new(Model, names::TGT_EMB, &["decoder.tok_embedding.weight"], &[TgtVocab, D]).need(UnlessShared),
    Rule::new(Model, names::GENERATOR_WEIGHT, &["decoder.fc_out.weight"], &[TgtVocab, D]).need(UnlessTied),
    Rule::new(Model, names::GENERATOR_BIAS, &["decoder.fc_out.bias"], &[TgtVocab]),
];
