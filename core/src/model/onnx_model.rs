//! The model side of Retort's ONNX contract, shared by every crate retort-onnx-gen writes: the
//! generated crate supplies its two graphs (burn-onnx's encoder and decoder step, see
//! [`ContractGraphs`]); this adapts them to [`Seq2SeqModel`], so beam search, n-best lists,
//! scores and attention run over them as over the native Transformer.
//!
//! The encoder graph emits every decoder layer's cross-attention keys and values once per
//! source; the step graph broadcasts them over the source's rows (rows come grouped, `width`
//! consecutive rows per source), so a step neither recomputes nor copies them. The step reads
//! the self-attention cache without growing it and returns only its own keys and values;
//! `onnx_cache.rs` applies them and the search's row choices to the cache in one pass per step,
//! rather than the graph concatenating in every layer and the search selecting rows after.

use burn::tensor::{Device, Int, Tensor, TensorData};

use self::cache::StepCache;
use super::{AttentionKind, Seq2SeqModel, StepOutput};
use crate::bundle::Bundle;
use crate::error::{Error, Result};
use crate::spec::ModelSpec;

/// The two graphs of a generated model, as burn-onnx wrote them.
pub trait ContractGraphs: Send + Sync + Sized + 'static {
    /// Builds both graphs with their weights from a bundle made for them.
    fn load(bundle: &Bundle, device: &Device) -> Result<Self>;
    /// `encoder.onnx`: source ids and mask `[B,S]` to every decoder layer's cross-attention
    /// (keys, values), `[L,B,H,S,Dh]` each.
    fn encode(&self, ids: Tensor<2, Int>, mask: Tensor<2>) -> (Tensor<5>, Tensor<5>);
    /// `decoder_step.onnx`: each row's last token `[R,1]`, the self-attention cache
    /// `[L,R,H,T,Dh]`, the sources' cross-attention keys and values `[L,B,H,S,Dh]` and mask
    /// `[B,S]` (R = B x width, rows grouped by source) to (log-probabilities, this step's
    /// self-attention keys and values `[L,R,H,1,Dh]`, last layer's cross-attention `[R,H,S]`).
    fn step(&self, ids: Tensor<2, Int>, cache: &SelfCache, cross: &CrossKv) -> StepTensors;
}

/// Self-attention keys and values of every row, `[layers, rows, heads, steps, head_dim]`: the
/// cache, or (one step) what a step adds to it.
pub struct SelfCache {
    pub keys: Tensor<5>,
    pub values: Tensor<5>,
}

/// The live sources' cross-attention keys and values `[layers, sources, heads, src_len,
/// head_dim]` and their mask `[sources, src_len]`, in the order the row groups come.
pub struct CrossKv {
    pub keys: Tensor<5>,
    pub values: Tensor<5>,
    pub mask: Tensor<2>,
}

/// What a step graph returns: log-probabilities `[R,V]`, the step's self-attention keys and
/// values (one step), and the last decoder layer's cross-attention `[R,H,S]`.
pub struct StepTensors {
    pub log_probs: Tensor<2>,
    pub added: SelfCache,
    pub attention: Tensor<3>,
}

/// A generated model: its graphs and the spec its bundle carries.
pub struct OnnxModel<G> {
    spec: ModelSpec,
    device: Device,
    graphs: G,
}

/// Decoder state: the live sources' cross-attention keys and values (one copy per source,
/// rows `[i * width, (i + 1) * width)` read source `i`) and the self-attention cache of every
/// row.
pub struct OnnxState {
    width: usize,
    sources: usize,
    cross: CrossKv,
    src_max: usize,
    cache: StepCache,
    step: usize,
}

impl<G: ContractGraphs> OnnxModel<G> {
    /// Loads the graphs' weights from a bundle made for the generated model `name`.
    pub fn from_bundle(bundle: &Bundle, name: &str) -> Result<Self> {
        bundle.validate()?;
        match &bundle.meta.generated {
            Some(g) if g.name == name => {}
            _ => return Err(Error::InvalidBundle(format!("not a bundle for the generated model '{name}'"))),
        }
        let device = Device::flex();
        let graphs = G::load(bundle, &device)?;
        Ok(OnnxModel { spec: bundle.meta.spec.clone(), device, graphs })
    }

    fn check_ids(&self, ids: &[u32], vocab: usize, what: &str) -> Result<()> {
        match ids.iter().find(|&&t| t as usize >= vocab) {
            Some(t) => Err(Error::Model(format!("{what} token id {t} is outside the vocabulary ({vocab})"))),
            None => Ok(()),
        }
    }

    /// A graph that does not follow the contract's shapes (e.g. one exported for another beam
    /// grouping) must fail here, not in the search reading its outputs.
    fn check_step_shapes(&self, out: &StepTensors, rows: usize, src_len: usize) -> Result<()> {
        let (l, h, dh) = (self.spec.decoder_layers, self.spec.heads, self.spec.head_dim());
        let expected: [(&str, Vec<usize>, Vec<usize>); 4] = [
            ("log_probs", out.log_probs.dims().to_vec(), vec![rows, self.spec.tgt_vocab_size]),
            ("step_keys", out.added.keys.dims().to_vec(), vec![l, rows, h, 1, dh]),
            ("step_values", out.added.values.dims().to_vec(), vec![l, rows, h, 1, dh]),
            ("attention", out.attention.dims().to_vec(), vec![rows, h, src_len]),
        ];
        match expected.into_iter().find(|(_, got, want)| got != want) {
            Some((name, got, want)) => {
                Err(Error::Model(format!("the step graph's '{name}' has shape {got:?}, expected {want:?}")))
            }
            None => Ok(()),
        }
    }

    fn rows_index(&self, rows: &[usize]) -> Tensor<1, Int> {
        let v: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
        Tensor::from_data(TensorData::new(v, [rows.len()]), &self.device)
    }
}

fn to_host<const D: usize>(t: Tensor<D>, what: &str) -> Result<Vec<f32>> {
    t.into_data().try_into_vec::<f32>().map_err(|e| Error::Model(format!("reading {what}: {e:?}")))
}

impl<G: ContractGraphs> Seq2SeqModel for OnnxModel<G> {
    type State = OnnxState;

    fn tgt_vocab_size(&self) -> usize {
        self.spec.tgt_vocab_size
    }

    fn max_positions(&self) -> usize {
        self.spec.max_positions
    }

    fn encode(&self, sources: &[Vec<u32>], width: usize) -> Result<OnnxState> {
        if sources.is_empty() || width == 0 {
            return Err(Error::Model("encode needs at least one source and a positive width".into()));
        }
        let s = sources.iter().map(Vec::len).max().unwrap_or(0);
        if s == 0 || sources.iter().any(Vec::is_empty) {
            return Err(Error::Model("empty source sequence".into()));
        }
        // The graphs index the position table by length: longer inputs must not reach them.
        if s > self.spec.max_positions {
            return Err(Error::Model(format!(
                "source of {s} tokens exceeds the model's {} positions",
                self.spec.max_positions
            )));
        }
        for src in sources {
            self.check_ids(src, self.spec.src_vocab_size, "source")?;
        }
        let b = sources.len();
        let pad = self.spec.special.src_pad as i64;
        let ids: Vec<i64> =
            sources.iter().flat_map(|v| v.iter().map(|&t| t as i64).chain(std::iter::repeat(pad)).take(s)).collect();
        let mask: Vec<f32> =
            sources.iter().flat_map(|v| (0..s).map(move |j| if j < v.len() { 1.0 } else { 0.0 })).collect();
        let ids: Tensor<2, Int> = Tensor::from_data(TensorData::new(ids, [b, s]), &self.device);
        let mask: Tensor<2> = Tensor::from_data(TensorData::new(mask, [b, s]), &self.device);
        let (keys, values) = self.graphs.encode(ids, mask.clone());
        let (l, h) = (self.spec.decoder_layers, self.spec.heads);
        let dh = self.spec.head_dim();
        let want = [l, b, h, s, dh];
        if keys.dims() != want || values.dims() != want {
            return Err(Error::Model(format!(
                "the encoder graph returned cross-attention keys {:?} and values {:?}, expected {want:?} \
                 (decoder layers, sources, heads, source length, head dim)",
                keys.dims(),
                values.dims()
            )));
        }
        Ok(OnnxState {
            width,
            sources: b,
            cross: CrossKv { keys, values, mask },
            src_max: s,
            cache: StepCache::empty(l, b * width, h, dh, &self.device),
            step: 0,
        })
    }

    fn step(&self, st: &mut OnnxState, tokens: &[u32], attention: Option<AttentionKind>) -> Result<StepOutput> {
        let rows = st.sources * st.width;
        if tokens.len() != rows {
            return Err(Error::Model(format!("step got {} tokens for {rows} rows", tokens.len())));
        }
        if st.step >= self.spec.max_positions {
            return Err(Error::Model(format!(
                "decoding step {} exceeds the model's {} positions",
                st.step, self.spec.max_positions
            )));
        }
        self.check_ids(tokens, self.spec.tgt_vocab_size, "target")?;
        let ids: Vec<i64> = tokens.iter().map(|&t| t as i64).collect();
        let ids: Tensor<2, Int> = Tensor::from_data(TensorData::new(ids, [rows, 1]), &self.device);
        let out = self.graphs.step(ids, st.cache.current()?, &st.cross);
        self.check_step_shapes(&out, rows, st.src_max)?;
        let StepTensors { log_probs, added, attention: attn } = out;
        st.cache.add_step(added);
        st.step += 1;
        let attention = match attention {
            None => None,
            Some(AttentionKind::FirstHead) => Some(to_host(attn.narrow(1, 0, 1), "attention")?),
            Some(AttentionKind::MeanOfHeads) => Some(to_host(attn.mean_dim(1), "attention")?),
        };
        // The search accumulates scores in f64; the graph's log-softmax is f32.
        let log_probs = to_host(log_probs, "log-probabilities")?.into_iter().map(f64::from).collect();
        Ok(StepOutput { log_probs, attention, src_len: st.src_max })
    }

    fn reorder(&self, st: &mut OnnxState, rows: &[usize]) -> Result<()> {
        let width = st.width;
        let old_rows = st.sources * width;
        if !rows.len().is_multiple_of(width) || rows.iter().any(|&r| r >= old_rows) {
            return Err(Error::Model(format!("invalid reorder of {old_rows} rows by {rows:?}")));
        }
        let new_items: Vec<usize> = rows.chunks(width).map(|c| c[0] / width).collect();
        if rows.chunks(width).zip(&new_items).any(|(c, &it)| c.iter().any(|&r| r / width != it)) {
            return Err(Error::Model("reorder mixes hypotheses of different inputs".into()));
        }
        st.cache.keep_rows(rows);
        // Sources move only when the set of live inputs changes (an input finished): beams
        // moving within an input share its keys and values as they are.
        if new_items.len() != st.sources || new_items.iter().enumerate().any(|(i, &it)| it != i) {
            let idx = self.rows_index(&new_items);
            st.cross.keys = st.cross.keys.clone().select(1, idx.clone());
            st.cross.values = st.cross.values.clone().select(1, idx.clone());
            st.cross.mask = st.cross.mask.clone().select(0, idx);
            st.sources = new_items.len();
        }
        Ok(())
    }
}

#[path = "onnx_cache.rs"]
mod cache;

#[cfg(test)]
#[path = "onnx_model_tests.rs"]
mod tests;

/// Everything a generated crate defines around burn-onnx's `encoder` and `decoder_step`
/// modules: `NAME`, `GRAPH_SHA256`, its [`ContractGraphs`] and the static `LOADER` hosts
/// compile in. retort-onnx-gen writes one call of this per crate.
#[macro_export]
macro_rules! onnx_contract_model {
    (name: $name:literal, graph_sha256: $sha:literal $(,)?) => {
        /// The name bundles use for this model.
        pub const NAME: &str = $name;
        /// sha256 of the ONNX graphs this code was generated from (encoder, then decoder step).
        pub const GRAPH_SHA256: &str = $sha;

        /// burn-onnx's two graphs.
        pub struct Graphs {
            encoder: encoder::Model,
            decoder: decoder_step::Model,
        }

        impl $crate::model::onnx_model::ContractGraphs for Graphs {
            fn load(bundle: &$crate::Bundle, device: &::burn::tensor::Device) -> $crate::Result<Self> {
                use $crate::model::generated::load_params;
                let encoder = load_params(encoder::Model::new(device), bundle, "encoder", device)?;
                let decoder = load_params(decoder_step::Model::new(device), bundle, "decoder_step", device)?;
                Ok(Graphs { encoder, decoder })
            }

            fn encode(
                &self,
                ids: ::burn::tensor::Tensor<2, ::burn::tensor::Int>,
                mask: ::burn::tensor::Tensor<2>,
            ) -> (::burn::tensor::Tensor<5>, ::burn::tensor::Tensor<5>) {
                self.encoder.forward(ids, mask)
            }

            fn step(
                &self,
                ids: ::burn::tensor::Tensor<2, ::burn::tensor::Int>,
                cache: &$crate::model::onnx_model::SelfCache,
                cross: &$crate::model::onnx_model::CrossKv,
            ) -> $crate::model::onnx_model::StepTensors {
                let (log_probs, keys, values, attention) = self.decoder.forward(
                    ids,
                    cache.keys.clone(),
                    cache.values.clone(),
                    cross.keys.clone(),
                    cross.values.clone(),
                    cross.mask.clone(),
                );
                $crate::model::onnx_model::StepTensors {
                    log_probs,
                    added: $crate::model::onnx_model::SelfCache { keys, values },
                    attention,
                }
            }
        }

        pub struct Loader;

        /// Hosts list this among the generated models they were built with.
        pub static LOADER: Loader = Loader;

        impl $crate::model::generated::GeneratedModelLoader for Loader {
            fn name(&self) -> &'static str {
                NAME
            }
            fn graph_sha256(&self) -> &'static str {
                GRAPH_SHA256
            }
            fn load(&self, bundle: &$crate::Bundle) -> $crate::Result<$crate::model::erased::BoxedModel> {
                let model = $crate::model::onnx_model::OnnxModel::<Graphs>::from_bundle(bundle, NAME)?;
                Ok($crate::model::erased::BoxedModel::new(model))
            }
        }
    };
}
