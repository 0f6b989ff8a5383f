//! A type-erased [`Seq2SeqModel`], so an engine can hold models whose types it cannot name
//! (those generated from ONNX live in their own crates and are compiled into hosts by feature).

use std::any::Any;

use super::{AttentionKind, Seq2SeqModel, StepOutput};
use crate::error::{Error, Result};

/// Decoder state of an erased model.
pub type AnyState = Box<dyn Any + Send>;

/// The object-safe counterpart of [`Seq2SeqModel`].
trait ErasedModel: Send + Sync {
    fn tgt_vocab_size(&self) -> usize;
    fn max_positions(&self) -> usize;
    fn encode(&self, sources: &[Vec<u32>], width: usize) -> Result<AnyState>;
    fn step(&self, state: &mut AnyState, tokens: &[u32], attention: Option<AttentionKind>) -> Result<StepOutput>;
    fn reorder(&self, state: &mut AnyState, rows: &[usize]) -> Result<()>;
}

fn state_of<S: 'static>(state: &mut AnyState) -> Result<&mut S> {
    state.downcast_mut::<S>().ok_or_else(|| Error::Model("decoder state belongs to another model".into()))
}

impl<M> ErasedModel for M
where
    M: Seq2SeqModel + Send + Sync,
    M::State: Send + 'static,
{
    fn tgt_vocab_size(&self) -> usize {
        Seq2SeqModel::tgt_vocab_size(self)
    }
    fn max_positions(&self) -> usize {
        Seq2SeqModel::max_positions(self)
    }
    fn encode(&self, sources: &[Vec<u32>], width: usize) -> Result<AnyState> {
        Ok(Box::new(Seq2SeqModel::encode(self, sources, width)?))
    }
    fn step(&self, state: &mut AnyState, tokens: &[u32], attention: Option<AttentionKind>) -> Result<StepOutput> {
        Seq2SeqModel::step(self, state_of::<M::State>(state)?, tokens, attention)
    }
    fn reorder(&self, state: &mut AnyState, rows: &[usize]) -> Result<()> {
        Seq2SeqModel::reorder(self, state_of::<M::State>(state)?, rows)
    }
}

/// Any [`Seq2SeqModel`] behind one type.
pub struct BoxedModel(Box<dyn ErasedModel>);

impl BoxedModel {
    pub fn new<M>(model: M) -> Self
    where
        M: Seq2SeqModel + Send + Sync + 'static,
        M::State: Send + 'static,
    {
        BoxedModel(Box::new(model))
    }
}

impl Seq2SeqModel for BoxedModel {
    type State = AnyState;

    fn tgt_vocab_size(&self) -> usize {
        self.0.tgt_vocab_size()
    }
    fn max_positions(&self) -> usize {
        self.0.max_positions()
    }
    fn encode(&self, sources: &[Vec<u32>], width: usize) -> Result<AnyState> {
        self.0.encode(sources, width)
    }
    fn step(&self, state: &mut AnyState, tokens: &[u32], attention: Option<AttentionKind>) -> Result<StepOutput> {
        self.0.step(state, tokens, attention)
    }
    fn reorder(&self, state: &mut AnyState, rows: &[usize]) -> Result<()> {
        self.0.reorder(state, rows)
    }
}
