//! Declarative tensor tables: each importer lists, once, which source tensor(s) every Retort
//! tensor comes from, the shape it must have and how it is transformed; [`map_tensors`] walks
//! such a table over a format's tensor store. The formats differ only in their tables, in how
//! their stores look tensors up, and in the wording of their errors.

use std::collections::HashMap;

use retort_core::spec::names;
use retort_core::TensorData;

use crate::error::ImportError;

/// A format's tensor store, as the table walker sees it.
pub trait TensorSource {
    /// Whether `name` is stored (without consuming it).
    fn contains(&self, name: &str) -> bool;
    /// The tensor as f32 with its stored shape, consumed; `None` when absent.
    fn read(&mut self, name: &str) -> Result<Option<TensorData>, ImportError>;
    /// Consumes a tensor without reading it (a tied copy of another tensor).
    fn skip(&mut self, name: &str);
    /// The error for a required tensor that is absent, in the format's own words.
    fn missing(&self, name: &str) -> ImportError;
    /// The error for a tensor of the wrong shape, in the format's own words.
    fn wrong_shape(&self, name: &str, found: &[usize], expected: &[usize]) -> ImportError;
}

/// Where a rule applies: once per encoder layer, once per decoder layer, or once.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    EncoderLayer,
    DecoderLayer,
    Model,
}

/// A dimension of an expected shape, resolved against the [`Dims`] of the model.
#[derive(Clone, Copy, Debug)]
pub enum Dim {
    /// d_model
    D,
    /// The feed-forward size.
    Ff,
    SrcVocab,
    TgtVocab,
}

/// The model sizes shapes are checked against.
#[derive(Clone, Copy, Debug)]
pub struct Dims {
    pub d_model: usize,
    pub ff: usize,
    pub src_vocab: usize,
    pub tgt_vocab: usize,
}

impl Dims {
    fn resolve(&self, dim: Dim) -> usize {
        match dim {
            Dim::D => self.d_model,
            Dim::Ff => self.ff,
            Dim::SrcVocab => self.src_vocab,
            Dim::TgtVocab => self.tgt_vocab,
        }
    }
}

/// Biases that are either all present or all absent in a Retort model (`attention_bias`,
/// `ffn_bias`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum BiasGroup {
    Attention,
    FeedForward,
}

impl BiasGroup {
    /// How the provenance note names the group's layers.
    fn label(self) -> &'static str {
        match self {
            BiasGroup::Attention => "attention projections",
            BiasGroup::FeedForward => "feed-forward projections",
        }
    }
}

/// How the importer knows whether a bias group is present.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BiasPolicy {
    /// The configuration says so: present biases are required, absent ones are not read
    /// (so a stray one is left over and reported by the format).
    Known(bool),
    /// Decided by the data: present when any bias of the group is stored, and then the absent
    /// ones are zeros (CTranslate2 drops zero biases when converting).
    FromData,
}

/// Whether a rule's source must be there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Need {
    Required,
    Optional,
    /// A bias of a [`BiasGroup`], per the format's [`BiasPolicy`].
    Bias(BiasGroup),
    /// A final layer norm: required in pre-norm models, not read in post-norm ones.
    PreNormOnly,
    /// The target embedding: read and shape-checked always, kept only when not shared with
    /// the source embedding.
    UnlessShared,
    /// The generator weight: skipped when tied to the target embedding.
    UnlessTied,
    /// A source tensor with no Retort counterpart (e.g. a stored causal mask): consumed.
    Dropped,
}

/// How the Retort tensor is made from the source tensor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transform {
    AsIs,
    /// Row block `index` of `parts` equal blocks: one projection of a fused one (CTranslate2
    /// stores self-attention q/k/v as one `[3d, d]` matrix and cross-attention k/v as `[2d, d]`).
    RowBlock {
        index: usize,
        parts: usize,
    },
}

/// One line of a table: Retort tensor `to` (a layer part like `self_attn.q.weight` for layer
/// scopes, a full name for [`Scope::Model`]) comes from the first stored of `from` (`{layer}`
/// stands for the layer index).
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub scope: Scope,
    pub to: &'static str,
    pub from: &'static [&'static str],
    pub shape: &'static [Dim],
    pub need: Need,
    pub transform: Transform,
}

impl Rule {
    pub const fn new(scope: Scope, to: &'static str, from: &'static [&'static str], shape: &'static [Dim]) -> Rule {
        Rule { scope, to, from, shape, need: Need::Required, transform: Transform::AsIs }
    }
    pub const fn need(self, need: Need) -> Rule {
        Rule { need, ..self }
    }
    pub const fn row_block(self, index: usize, parts: usize) -> Rule {
        Rule { transform: Transform::RowBlock { index, parts }, ..self }
    }
}

/// What the table walk depends on, decided by the format's configuration reader.
#[derive(Clone, Copy, Debug)]
pub struct TableContext {
    pub dims: Dims,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    pub pre_norm: bool,
    pub shared_embeddings: bool,
    pub tied_generator: bool,
    pub attention_bias: BiasPolicy,
    pub ffn_bias: BiasPolicy,
}

/// The Retort tensors a table produced, and what the walk found out.
pub struct MappedTensors {
    pub tensors: HashMap<String, TensorData>,
    pub attention_bias: bool,
    pub ffn_bias: bool,
    pub notes: Vec<String>,
}

/// A bias decided by the data: its Retort name, row count and value if stored.
type PendingBias = (String, usize, Option<Vec<f32>>);

/// Walks `table` over `source`: encoder layers, then decoder layers, then the model-wide rules,
/// each in table order.
pub fn map_tensors(
    table: &[Rule],
    source: &mut dyn TensorSource,
    ctx: &TableContext,
) -> Result<MappedTensors, ImportError> {
    let mut walk = Walk { source, ctx, tensors: HashMap::new(), pending: HashMap::new(), fused: HashMap::new() };
    for (scope, layers) in
        [(Scope::EncoderLayer, ctx.encoder_layers), (Scope::DecoderLayer, ctx.decoder_layers), (Scope::Model, 1)]
    {
        for layer in 0..layers {
            for rule in table.iter().filter(|r| r.scope == scope) {
                walk.apply(rule, layer)?;
            }
            // A fused tensor serves the rules of its own layer only.
            walk.fused.clear();
        }
    }
    let mut notes = Vec::new();
    let attention_bias = walk.settle_biases(BiasGroup::Attention, ctx.attention_bias, &mut notes)?;
    let ffn_bias = walk.settle_biases(BiasGroup::FeedForward, ctx.ffn_bias, &mut notes)?;
    Ok(MappedTensors { tensors: walk.tensors, attention_bias, ffn_bias, notes })
}

struct Walk<'a> {
    source: &'a mut dyn TensorSource,
    ctx: &'a TableContext,
    tensors: HashMap<String, TensorData>,
    /// Biases of [`BiasPolicy::FromData`] groups, in reading order.
    pending: HashMap<BiasGroup, Vec<PendingBias>>,
    /// Fused tensors already read in this layer, by source name (each is read, and counted, once).
    fused: HashMap<String, Option<TensorData>>,
}

impl Walk<'_> {
    fn apply(&mut self, rule: &Rule, layer: usize) -> Result<(), ImportError> {
        let to = match rule.scope {
            Scope::EncoderLayer => names::enc_layer(layer, rule.to),
            Scope::DecoderLayer => names::dec_layer(layer, rule.to),
            Scope::Model => rule.to.to_string(),
        };
        let candidates: Vec<String> = rule.from.iter().map(|f| f.replace("{layer}", &layer.to_string())).collect();
        let from = candidates.iter().find(|c| self.source.contains(c)).unwrap_or(&candidates[0]).clone();
        let shape: Vec<usize> = rule.shape.iter().map(|d| self.ctx.dims.resolve(*d)).collect();
        let required = match rule.need {
            Need::Required | Need::UnlessShared => true,
            Need::Optional => false,
            Need::Bias(group) => match self.policy(group) {
                BiasPolicy::Known(present) => {
                    if !present {
                        return Ok(());
                    }
                    true
                }
                BiasPolicy::FromData => {
                    let value = self.read(&from, &shape, rule.transform)?;
                    let rows = shape.first().copied().unwrap_or(0);
                    self.pending.entry(group).or_default().push((to, rows, value.map(TensorData::into_values)));
                    return Ok(());
                }
            },
            Need::PreNormOnly => {
                if !self.ctx.pre_norm {
                    return Ok(());
                }
                true
            }
            Need::UnlessTied => {
                if self.ctx.tied_generator {
                    self.source.skip(&from);
                    return Ok(());
                }
                true
            }
            Need::Dropped => {
                self.source.skip(&from);
                return Ok(());
            }
        };
        // A shared target embedding is still read, so its shape is checked.
        let keep = !(rule.need == Need::UnlessShared && self.ctx.shared_embeddings);
        match self.read(&from, &shape, rule.transform)? {
            Some(t) if keep => {
                self.tensors.insert(to, t);
            }
            Some(_) => {}
            None if required => return Err(self.source.missing(&from)),
            None => {}
        }
        Ok(())
    }

    fn policy(&self, group: BiasGroup) -> BiasPolicy {
        match group {
            BiasGroup::Attention => self.ctx.attention_bias,
            BiasGroup::FeedForward => self.ctx.ffn_bias,
        }
    }

    /// Reads `from`, checks its shape (the fused shape for a row block) and transforms it.
    fn read(&mut self, from: &str, shape: &[usize], transform: Transform) -> Result<Option<TensorData>, ImportError> {
        match transform {
            Transform::AsIs => {
                let Some(t) = self.source.read(from)? else { return Ok(None) };
                if t.shape != shape {
                    return Err(self.source.wrong_shape(from, &t.shape, shape));
                }
                Ok(Some(t))
            }
            Transform::RowBlock { index, parts } => {
                let mut fused_shape = shape.to_vec();
                let rows = fused_shape.first().copied().unwrap_or(0);
                if let Some(r) = fused_shape.first_mut() {
                    *r *= parts;
                }
                if !self.fused.contains_key(from) {
                    let t = self.source.read(from)?;
                    if let Some(t) = &t {
                        if t.shape != fused_shape {
                            return Err(self.source.wrong_shape(from, &t.shape, &fused_shape));
                        }
                    }
                    self.fused.insert(from.to_string(), t);
                }
                let Some(Some(t)) = self.fused.get(from) else { return Ok(None) };
                let cols: usize = shape.iter().skip(1).product();
                let values = t.values();
                let block = values
                    .get(index * rows * cols..(index + 1) * rows * cols)
                    .ok_or_else(|| ImportError::Format("internal: row block outside a checked tensor".into()))?;
                Ok(Some(TensorData::new(shape.to_vec(), block.to_vec())?))
            }
        }
    }

    /// Stores a data-decided group: when any bias is stored the absent ones become zeros
    /// (noted); when none is, the group has no biases.
    fn settle_biases(
        &mut self,
        group: BiasGroup,
        policy: BiasPolicy,
        notes: &mut Vec<String>,
    ) -> Result<bool, ImportError> {
        let present = match policy {
            BiasPolicy::Known(present) => return Ok(present),
            BiasPolicy::FromData => self.pending.remove(&group).unwrap_or_default(),
        };
        if !present.iter().any(|(_, _, b)| b.is_some()) {
            return Ok(false);
        }
        let missing = present.iter().filter(|(_, _, b)| b.is_none()).count();
        if missing > 0 {
            notes.push(format!("{missing} {} had no bias: zeros were used", group.label()));
        }
        for (name, rows, bias) in present {
            self.tensors.insert(name, TensorData::new(vec![rows], bias.unwrap_or_else(|| vec![0.0; rows]))?);
        }
        Ok(true)
    }
}
