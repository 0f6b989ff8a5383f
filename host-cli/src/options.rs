//! Decoding flags (OpenNMT-py's `translate.py` names, kebab-cased). Each one overrides the
//! bundle's recommended default only when given.

use clap::{Args, ValueEnum};
use retort_core::options::{AttentionChoice, BeamCompat, CoveragePenalty, LengthPenalty};
use retort_core::{TranslateOptions, UnknownTokens};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LengthPenaltyArg {
    None,
    Avg,
    Wu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CoveragePenaltyArg {
    None,
    Wu,
    Summary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BeamCompatArg {
    #[value(name = "opennmt-py-1")]
    OpennmtPy1,
    #[value(name = "opennmt-py-3")]
    OpennmtPy3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UnknownTokensArg {
    Map,
    Refuse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AttentionKindArg {
    FirstHead,
    Average,
}

/// Boolean flags take `--flag` (true) or `--flag=false`.
#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "Decoding options (override the model's defaults)")]
pub struct DecodeArgs {
    /// Beam width (1 = greedy).
    #[arg(long, value_name = "N")]
    pub beam_size: Option<usize>,
    /// Predictions returned per input (at most the beam size).
    #[arg(long, value_name = "N")]
    pub n_best: Option<usize>,
    /// Minimum number of generated tokens before the end token is allowed.
    #[arg(long, value_name = "N")]
    pub min_length: Option<usize>,
    /// Maximum number of generated tokens (the end token included).
    #[arg(long, value_name = "N")]
    pub max_length: Option<usize>,
    #[arg(long, value_enum, value_name = "KIND")]
    pub length_penalty: Option<LengthPenaltyArg>,
    /// Length penalty parameter (wu).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub alpha: Option<f32>,
    #[arg(long, value_enum, value_name = "KIND")]
    pub coverage_penalty: Option<CoveragePenaltyArg>,
    /// Coverage penalty parameter.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub beta: Option<f32>,
    /// Forbid repeating any n-gram of this size (0 = off).
    #[arg(long, value_name = "N")]
    pub block_ngram_repeat: Option<usize>,
    /// Tokens whose n-grams may repeat (takes every following value: put the input file before it).
    #[arg(long, value_name = "TOK", num_args = 1..)]
    pub ignore_when_blocking: Option<Vec<String>>,
    /// Replace generated unknown tokens by the most attended source token.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub replace_unk: Option<bool>,
    /// Never generate the unknown token.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub ban_unk_token: Option<bool>,
    /// Return attention (target steps x source tokens) with each prediction.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub attention: Option<bool>,
    /// Which attention to return.
    #[arg(long, value_enum, value_name = "KIND")]
    pub attention_kind: Option<AttentionKindArg>,
    /// Inputs decoded together.
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    /// Sample instead of searching.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub sampling: Option<bool>,
    /// Sample from the k most likely tokens (0 = all).
    #[arg(long, value_name = "K")]
    pub sampling_topk: Option<usize>,
    /// Nucleus sampling threshold in (0, 1] (1 = off).
    #[arg(long, value_name = "P")]
    pub sampling_topp: Option<f32>,
    #[arg(long, value_name = "T")]
    pub sampling_temperature: Option<f32>,
    /// Sampling seed; equal seeds give equal outputs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Beam-search semantics to reproduce where OpenNMT-py generations differ (stop rule,
    /// n-gram blocking); imported 3.x checkpoints default to opennmt-py-3.
    #[arg(long, value_enum, value_name = "GEN")]
    pub beam_compat: Option<BeamCompatArg>,
    /// Source tokens the vocabulary lacks: decode them as the unknown token (listed in jsonl
    /// output as `unknown_source_tokens`) or refuse the input.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub unknown_tokens: Option<UnknownTokensArg>,
}

impl DecodeArgs {
    /// Overrides `opts` field by field with the flags that were given.
    pub fn apply(&self, opts: &mut TranslateOptions) {
        fn set<T: Clone>(dst: &mut T, src: &Option<T>) {
            if let Some(v) = src {
                *dst = v.clone();
            }
        }
        set(&mut opts.beam_size, &self.beam_size);
        set(&mut opts.n_best, &self.n_best);
        set(&mut opts.min_length, &self.min_length);
        set(&mut opts.max_length, &self.max_length);
        if let Some(lp) = self.length_penalty {
            opts.length_penalty = match lp {
                LengthPenaltyArg::None => LengthPenalty::None,
                LengthPenaltyArg::Avg => LengthPenalty::Avg,
                LengthPenaltyArg::Wu => LengthPenalty::Wu,
            };
        }
        set(&mut opts.alpha, &self.alpha);
        if let Some(cp) = self.coverage_penalty {
            opts.coverage_penalty = match cp {
                CoveragePenaltyArg::None => CoveragePenalty::None,
                CoveragePenaltyArg::Wu => CoveragePenalty::Wu,
                CoveragePenaltyArg::Summary => CoveragePenalty::Summary,
            };
        }
        set(&mut opts.beta, &self.beta);
        set(&mut opts.block_ngram_repeat, &self.block_ngram_repeat);
        set(&mut opts.ignore_when_blocking, &self.ignore_when_blocking);
        set(&mut opts.replace_unk, &self.replace_unk);
        set(&mut opts.ban_unk_token, &self.ban_unk_token);
        set(&mut opts.return_attention, &self.attention);
        if let Some(k) = self.attention_kind {
            opts.attention = match k {
                AttentionKindArg::FirstHead => AttentionChoice::FirstHead,
                AttentionKindArg::Average => AttentionChoice::Average,
            };
        }
        set(&mut opts.batch_size, &self.batch_size);
        set(&mut opts.sampling, &self.sampling);
        set(&mut opts.sampling_topk, &self.sampling_topk);
        set(&mut opts.sampling_topp, &self.sampling_topp);
        set(&mut opts.sampling_temperature, &self.sampling_temperature);
        set(&mut opts.seed, &self.seed);
        if let Some(c) = self.beam_compat {
            opts.beam_compat = match c {
                BeamCompatArg::OpennmtPy1 => BeamCompat::OpennmtPy1,
                BeamCompatArg::OpennmtPy3 => BeamCompat::OpennmtPy3,
            };
        }
        if let Some(u) = self.unknown_tokens {
            opts.unknown_tokens = match u {
                UnknownTokensArg::Map => UnknownTokens::Map,
                UnknownTokensArg::Refuse => UnknownTokens::Refuse,
            };
        }
    }
}
