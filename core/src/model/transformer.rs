//! Encoder-decoder Transformer on burn's flex backend, with an explicit decoder cache:
//! self-attention K/V per layer grow one row per step and are reordered by beam index;
//! cross-attention K/V are computed once per source and shared by all beams of an item.

use std::borrow::Cow;

use burn::tensor::activation::{gelu, relu, softmax};
use burn::tensor::module::{embedding, layer_norm, linear};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::attend::{Memory, StepCache};
use super::int8::{QuantLinear, QuantRow};
use super::output::{log_softmax_f32, HostNorm, OutputLayer, HOST_F64_LIMIT};
use super::packed_f32::PackedLinear;
use super::{AttentionKind, Seq2SeqModel, StepOutput};

use crate::bundle::{Bundle, TensorData as BundleTensor};
use crate::compute::ComputeType;
use crate::error::{Error, Result};
use crate::spec::{names, Activation, ModelSpec, NormPosition};

/// A linear layer: on the host with its weight packed at load, or (the generator of a
/// vocabulary too large for the host output layer) a burn tensor stored [in, out], transposed
/// once at load.
// A few dozen per model, built once: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Lin {
    Tensor { w: Tensor<2>, b: Option<Tensor<1>> },
    Host(HostLinear),
}

/// The host layers, f32 or int8: host rows in, host rows out.
enum HostLinear {
    F32(PackedLinear),
    Int8(QuantLinear),
}

impl HostLinear {
    fn forward(&self, x: &[f32]) -> Vec<f32> {
        match self {
            HostLinear::F32(p) => p.forward(x),
            HostLinear::Int8(q) => q.forward(x),
        }
    }

    fn out_features(&self) -> usize {
        match self {
            HostLinear::F32(p) => p.out_features(),
            HostLinear::Int8(q) => q.out_features(),
        }
    }
}

impl Lin {
    fn forward<const D: usize>(&self, x: Tensor<D>) -> Result<Tensor<D>> {
        match self {
            Lin::Tensor { w, b } => Ok(linear(x, w.clone(), b.clone())),
            Lin::Host(h) => {
                let (mut dims, device) = (x.dims(), x.device());
                let y = h.forward(&to_host(x, "linear layer input")?);
                dims[D - 1] = h.out_features();
                Ok(Tensor::from_data(TensorData::new(y, dims), &device))
            }
        }
    }

    /// The layer's output as host rows, without a round trip through a tensor.
    fn forward_to_host<const D: usize>(&self, x: Tensor<D>, what: &str) -> Result<Vec<f32>> {
        match self {
            Lin::Tensor { .. } => to_host(self.forward(x)?, what),
            Lin::Host(h) => Ok(h.forward(&to_host(x, what)?)),
        }
    }

    /// The layer applied to host rows (`rows` of them).
    fn forward_from_host(&self, x: Vec<f32>, rows: usize, device: &Device) -> Result<Tensor<2>> {
        match self {
            Lin::Tensor { .. } => {
                let d = x.len() / rows.max(1);
                self.forward(Tensor::from_data(TensorData::new(x, [rows, d]), device))
            }
            Lin::Host(h) => Ok(Tensor::from_data(TensorData::new(h.forward(&x), [rows, h.out_features()]), device)),
        }
    }
}

/// Final norm (pre-norm models), generator and log-softmax; see `output` for the choice.
// One per model: boxing the larger variant would only add an indirection on every step.
#[allow(clippy::large_enum_variant)]
enum Output {
    /// In f64 on the host: generators up to `HOST_F64_LIMIT`.
    Host(OutputLayer),
    /// In f32 in burn, log-softmax in f64: larger generators.
    Device { norm: Option<Norm>, generator: Lin },
}

struct Norm {
    gamma: Tensor<1>,
    beta: Tensor<1>,
    eps: f64,
}

impl Norm {
    fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        layer_norm(x, self.gamma.clone(), Some(self.beta.clone()), self.eps)
    }
}

struct Ffn {
    w1: Lin,
    w2: Lin,
    act: Activation,
}

impl Ffn {
    fn forward<const D: usize>(&self, x: Tensor<D>) -> Result<Tensor<D>> {
        let h = self.w1.forward(x)?;
        let h = match self.act {
            Activation::Relu => relu(h),
            Activation::Gelu => gelu(h),
            Activation::GeluTanh => burn::tensor::activation::gelu_approximate(h),
        };
        self.w2.forward(h)
    }
}

struct EncoderLayer {
    /// q, k and v fused into one [d, 3d] projection: one matmul instead of three.
    qkv: Lin,
    out: Lin,
    norm_attn: Norm,
    ffn: Ffn,
    norm_ffn: Norm,
}

struct DecoderLayer {
    self_qkv: Lin,
    self_out: Lin,
    norm_self: Norm,
    cross_q: Lin,
    /// k and v of the cross-attention fused into [d, 2d]; applied to the memory once.
    cross_kv: Lin,
    cross_out: Lin,
    norm_cross: Norm,
    ffn: Ffn,
    norm_ffn: Norm,
}

pub struct Transformer {
    spec: ModelSpec,
    device: Device,
    src_emb: Tensor<2>,
    tgt_emb: Tensor<2>,
    enc_pos: Tensor<2>,
    dec_pos: Tensor<2>,
    encoder: Vec<EncoderLayer>,
    enc_norm: Option<Norm>,
    decoder: Vec<DecoderLayer>,
    /// [d, vocab]
    output: Output,
    compute: ComputeType,
}

/// Per-batch decoding state.
pub struct TransformerState {
    width: usize,
    /// For each live input, its block in `memory` (blocks never move; finished inputs are
    /// simply no longer referenced).
    blocks: Vec<usize>,
    /// Source length of each block.
    src_lens: Vec<usize>,
    memory: Memory,
    cache: StepCache,
    step: usize,
}

impl TransformerState {
    pub fn rows(&self) -> usize {
        self.blocks.len() * self.width
    }
}

fn tensor_err(name: &str, problem: impl Into<String>) -> Error {
    Error::Tensor { name: name.to_string(), problem: problem.into() }
}

struct Loader<'a> {
    bundle: &'a Bundle,
    device: Device,
    /// Linear layers in int8 (see [`ComputeType`]).
    int8: bool,
}

impl Loader<'_> {
    fn tensor(&self, name: &str) -> Result<&BundleTensor> {
        self.bundle.tensors.get(name).ok_or_else(|| tensor_err(name, "missing from the bundle"))
    }

    /// A tensor's shape and f32 values (int8 rows dequantized).
    fn raw(&self, name: &str) -> Result<(&[usize], Cow<'_, [f32]>)> {
        let t = self.tensor(name)?;
        Ok((&t.shape, t.values()))
    }

    /// A 1-D tensor of `len` values, on the host.
    fn vector(&self, name: &str, len: usize) -> Result<Vec<f32>> {
        let (shape, data) = self.raw(name)?;
        if shape != [len] {
            return Err(tensor_err(name, format!("expected shape [{len}], found {shape:?}")));
        }
        Ok(data.into_owned())
    }

    /// A 1-D tensor on the device.
    fn tensor1(&self, name: &str) -> Result<Tensor<1>> {
        let (shape, data) = self.raw(name)?;
        if shape.len() != 1 {
            return Err(tensor_err(name, format!("expected 1 dimension, found shape {shape:?}")));
        }
        Ok(Tensor::from_data(TensorData::new(data.into_owned(), [shape[0]]), &self.device))
    }

    /// A 2-D tensor on the device.
    fn tensor2(&self, name: &str) -> Result<Tensor<2>> {
        let (shape, data) = self.raw(name)?;
        if shape.len() != 2 {
            return Err(tensor_err(name, format!("expected 2 dimensions, found shape {shape:?}")));
        }
        Ok(Tensor::from_data(TensorData::new(data.into_owned(), [shape[0], shape[1]]), &self.device))
    }

    /// Linear layers from PyTorch-layout [out, in] weights, several concatenated on the output
    /// axis (fused projections), packed for the host kernels (f32 or int8).
    fn lin(&self, prefixes: &[String], bias: bool) -> Result<Lin> {
        let mut parts = Vec::with_capacity(prefixes.len());
        let mut inp = None;
        let mut bs = Vec::new();
        for p in prefixes {
            let name = format!("{p}.weight");
            let t = self.tensor(&name)?;
            let &[out_f, in_f] = t.shape.as_slice() else {
                return Err(tensor_err(&name, format!("expected 2 dimensions, found shape {:?}", t.shape)));
            };
            if *inp.get_or_insert(in_f) != in_f {
                return Err(tensor_err(&name, "fused projections disagree on input size"));
            }
            parts.push((t, out_f, in_f));
            if bias {
                bs.extend(self.vector(&format!("{p}.bias"), out_f)?);
            }
        }
        let inp = inp.unwrap_or(0);
        let b = bias.then_some(bs);
        // f32 values of every part, except the stored integers an int8 layer takes as they are
        let values: Vec<Cow<'_, [f32]>> = parts
            .iter()
            .map(|(t, ..)| if self.int8 && t.int8_rows().is_some() { Cow::Borrowed(&[][..]) } else { t.values() })
            .collect();
        if self.int8 {
            let mut rows = Vec::new();
            for ((t, out_f, in_f), v) in parts.iter().zip(&values) {
                match t.int8_rows() {
                    Some((q, scales)) => {
                        rows.extend(q.chunks_exact(*in_f).zip(scales).take(*out_f).map(|(r, &s)| QuantRow::Int8(r, s)))
                    }
                    None => rows.extend(v.chunks_exact(*in_f).take(*out_f).map(QuantRow::F32)),
                }
            }
            return Ok(Lin::Host(HostLinear::Int8(QuantLinear::from_rows(&prefixes.join("+"), &rows, inp, b)?)));
        }
        let rows: Vec<&[f32]> =
            parts.iter().zip(&values).flat_map(|((_, out_f, in_f), v)| v.chunks_exact(*in_f).take(*out_f)).collect();
        Ok(Lin::Host(HostLinear::F32(PackedLinear::from_rows(&prefixes.join("+"), &rows, inp, b)?)))
    }

    /// A contiguous [in, out] weight from PyTorch's [out, in] rows. Transposed once here:
    /// a transposed view would make every matmul take the strided (slower) path.
    fn transposed(&self, rows: &[&[f32]], inp: usize) -> Tensor<2> {
        let out = rows.len();
        let mut t = vec![0f32; inp * out];
        for (o, row) in rows.iter().enumerate() {
            for (i, &x) in row.iter().enumerate() {
                t[i * out + o] = x;
            }
        }
        Tensor::from_data(TensorData::new(t, [inp, out]), &self.device)
    }

    fn norm(&self, prefix: &str, eps: f64) -> Result<Norm> {
        Ok(Norm {
            gamma: self.tensor1(&format!("{prefix}.weight"))?,
            beta: self.tensor1(&format!("{prefix}.bias"))?,
            eps,
        })
    }
}

impl Transformer {
    pub fn load(bundle: &Bundle, compute: ComputeType) -> Result<Self> {
        bundle.validate()?;
        let spec = bundle.meta.spec.clone();
        let device = Device::flex();
        let compute = compute.resolve(bundle.stored_as);
        let ld = Loader { bundle, device: device.clone(), int8: compute == ComputeType::Int8 };
        let eps = spec.layer_norm_eps;
        let attention_bias = spec.attention_bias;
        let ffn_bias = spec.ffn_bias;
        let ffn = |p: String| -> Result<Ffn> {
            Ok(Ffn {
                w1: ld.lin(&[format!("{p}.w1")], ffn_bias)?,
                w2: ld.lin(&[format!("{p}.w2")], ffn_bias)?,
                act: spec.activation,
            })
        };
        let proj = |p: &str, parts: &[&str]| -> Vec<String> { parts.iter().map(|x| format!("{p}.{x}")).collect() };

        let mut encoder = Vec::with_capacity(spec.encoder_layers);
        for i in 0..spec.encoder_layers {
            let a = names::enc_layer(i, "self_attn");
            encoder.push(EncoderLayer {
                qkv: ld.lin(&proj(&a, &["q", "k", "v"]), attention_bias)?,
                out: ld.lin(&proj(&a, &["o"]), attention_bias)?,
                norm_attn: ld.norm(&names::enc_layer(i, "norm_attn"), eps)?,
                ffn: ffn(names::enc_layer(i, "ffn"))?,
                norm_ffn: ld.norm(&names::enc_layer(i, "norm_ffn"), eps)?,
            });
        }
        let mut decoder = Vec::with_capacity(spec.decoder_layers);
        for i in 0..spec.decoder_layers {
            let s = names::dec_layer(i, "self_attn");
            let c = names::dec_layer(i, "cross_attn");
            decoder.push(DecoderLayer {
                self_qkv: ld.lin(&proj(&s, &["q", "k", "v"]), attention_bias)?,
                self_out: ld.lin(&proj(&s, &["o"]), attention_bias)?,
                norm_self: ld.norm(&names::dec_layer(i, "norm_self"), eps)?,
                cross_q: ld.lin(&proj(&c, &["q"]), attention_bias)?,
                cross_kv: ld.lin(&proj(&c, &["k", "v"]), attention_bias)?,
                cross_out: ld.lin(&proj(&c, &["o"]), attention_bias)?,
                norm_cross: ld.norm(&names::dec_layer(i, "norm_cross"), eps)?,
                ffn: ffn(names::dec_layer(i, "ffn"))?,
                norm_ffn: ld.norm(&names::dec_layer(i, "norm_ffn"), eps)?,
            });
        }
        let pre = spec.norm == NormPosition::Pre;
        let src_emb = ld.tensor2(names::SRC_EMB)?;
        let tgt_emb = if spec.shared_embeddings { src_emb.clone() } else { ld.tensor2(names::TGT_EMB)? };
        let gen_name = match (spec.tied_generator, spec.shared_embeddings) {
            (false, _) => names::GENERATOR_WEIGHT,
            (true, true) => names::SRC_EMB,
            (true, false) => names::TGT_EMB,
        };
        let (gen_shape, gen_data) = ld.raw(gen_name)?;
        if gen_shape != [spec.tgt_vocab_size, spec.d_model] {
            let want = [spec.tgt_vocab_size, spec.d_model];
            return Err(tensor_err(gen_name, format!("generator has shape {gen_shape:?}, expected {want:?}")));
        }
        let output = if spec.tgt_vocab_size * spec.d_model <= HOST_F64_LIMIT {
            let bias =
                if spec.generator_bias { Some(ld.vector(names::GENERATOR_BIAS, spec.tgt_vocab_size)?) } else { None };
            let host_norm = |prefix: &str| -> Result<HostNorm> {
                let v = |n: &str| -> Result<Vec<f64>> {
                    Ok(ld.vector(&format!("{prefix}.{n}"), spec.d_model)?.into_iter().map(f64::from).collect())
                };
                Ok(HostNorm { gamma: v("weight")?, beta: v("bias")?, eps })
            };
            let norm = if pre { Some(host_norm(names::DEC_NORM)?) } else { None };
            Output::Host(OutputLayer { norm, weight: gen_data.into_owned(), bias, d_model: spec.d_model })
        } else {
            let w = ld.transposed(&gen_data.chunks_exact(spec.d_model).collect::<Vec<_>>(), spec.d_model);
            let b = if spec.generator_bias { Some(ld.tensor1(names::GENERATOR_BIAS)?) } else { None };
            let norm = if pre { Some(ld.norm(names::DEC_NORM, eps)?) } else { None };
            Output::Device { norm, generator: Lin::Tensor { w, b } }
        };
        Ok(Transformer {
            enc_pos: ld.tensor2(names::ENC_POS)?,
            dec_pos: ld.tensor2(names::DEC_POS)?,
            enc_norm: if pre { Some(ld.norm(names::ENC_NORM, eps)?) } else { None },
            output,
            src_emb,
            tgt_emb,
            encoder,
            decoder,
            spec,
            device,
            compute,
        })
    }

    /// The arithmetic of the linear layers (never `Auto`).
    pub fn compute_type(&self) -> ComputeType {
        self.compute
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    fn pre(&self) -> bool {
        self.spec.norm == NormPosition::Pre
    }

    /// Splits [b, s, d] into heads: [b, heads, s, head_dim].
    fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [b, s, _] = x.dims();
        x.reshape([b, s, self.spec.heads, self.spec.head_dim()]).swap_dims(1, 2)
    }

    /// Joins heads: [b, heads, s, head_dim] -> [b, s, d].
    fn join_heads(&self, x: Tensor<4>) -> Tensor<3> {
        let [b, _, s, _] = x.dims();
        x.swap_dims(1, 2).reshape([b, s, self.spec.d_model])
    }

    fn scale(&self) -> f32 {
        1.0 / (self.spec.head_dim() as f32).sqrt()
    }

    /// softmax(q kᵀ / √d + bias) — returns the probabilities; callers multiply by v.
    fn attention_probs(&self, q: Tensor<4>, k: Tensor<4>, bias: Option<Tensor<4>>) -> Tensor<4> {
        let scores = q.mul_scalar(self.scale()).matmul(k.swap_dims(2, 3));
        let scores = match bias {
            Some(b) => scores + b,
            None => scores,
        };
        softmax(scores, 3)
    }

    /// Applies a sublayer with the spec's residual/normalization arrangement.
    fn residual<const D: usize>(
        &self,
        x: Tensor<D>,
        norm: &Norm,
        f: impl FnOnce(Tensor<D>) -> Result<Tensor<D>>,
    ) -> Result<Tensor<D>> {
        Ok(if self.pre() { x.clone() + f(norm.forward(x))? } else { norm.forward(x.clone() + f(x)?) })
    }

    fn embed_ids(&self, ids: &[Vec<u32>], width: usize) -> Tensor<2, Int> {
        let data: Vec<i64> = ids.iter().flat_map(|r| r.iter().map(|&t| t as i64)).collect();
        Tensor::from_data(TensorData::new(data, [ids.len(), width]), &self.device)
    }

    fn check_ids(&self, ids: &[u32], vocab: usize, what: &str) -> Result<()> {
        match ids.iter().find(|&&t| t as usize >= vocab) {
            Some(t) => Err(Error::Model(format!("{what} token id {t} is outside the vocabulary ({vocab})"))),
            None => Ok(()),
        }
    }
}

impl Seq2SeqModel for Transformer {
    type State = TransformerState;

    fn tgt_vocab_size(&self) -> usize {
        self.spec.tgt_vocab_size
    }

    fn max_positions(&self) -> usize {
        self.spec.max_positions
    }

    fn encode(&self, sources: &[Vec<u32>], width: usize) -> Result<TransformerState> {
        if sources.is_empty() || width == 0 {
            return Err(Error::Model("encode needs at least one source and a positive width".into()));
        }
        let src_lens: Vec<usize> = sources.iter().map(Vec::len).collect();
        let s = *src_lens.iter().max().unwrap_or(&0);
        if s == 0 || src_lens.contains(&0) {
            return Err(Error::Model("empty source sequence".into()));
        }
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
        let d = self.spec.d_model;
        let pad = self.spec.special.src_pad;
        let padded: Vec<Vec<u32>> =
            sources.iter().map(|v| v.iter().copied().chain(std::iter::repeat(pad)).take(s).collect()).collect();
        let ids = self.embed_ids(&padded, s);
        // burn takes one range per dimension: a one-element array is the slice of dimension 0.
        #[allow(clippy::single_range_in_vec_init)]
        let pos = self.enc_pos.clone().slice([0..s]).unsqueeze::<3>();
        let mut x = embedding(self.src_emb.clone(), ids).mul_scalar(self.spec.embedding_scale) + pos;

        let bias_data: Vec<f32> =
            src_lens.iter().flat_map(|&l| (0..s).map(move |j| if j < l { 0.0 } else { f32::NEG_INFINITY })).collect();
        let src_bias: Tensor<4> = Tensor::from_data(TensorData::new(bias_data, [b, 1, 1, s]), &self.device);

        for layer in &self.encoder {
            x = self.residual(x, &layer.norm_attn, |h| {
                let qkv = layer.qkv.forward(h)?;
                let q = self.split_heads(qkv.clone().narrow(2, 0, d));
                let k = self.split_heads(qkv.clone().narrow(2, d, d));
                let v = self.split_heads(qkv.narrow(2, 2 * d, d));
                let p = self.attention_probs(q, k, Some(src_bias.clone()));
                layer.out.forward(self.join_heads(p.matmul(v)))
            })?;
            x = self.residual(x, &layer.norm_ffn, |h| layer.ffn.forward(h))?;
        }
        if let Some(n) = &self.enc_norm {
            x = n.forward(x);
        }

        let mut memory = Memory::new(s, d);
        for layer in &self.decoder {
            // [b, s, 2d] -> keys and values, each b × s × d
            let kv = layer.cross_kv.forward_to_host(x.clone(), "cross-attention memory")?;
            let (mut k, mut v) = (Vec::with_capacity(kv.len() / 2), Vec::with_capacity(kv.len() / 2));
            for row in kv.chunks_exact(2 * d) {
                k.extend_from_slice(&row[..d]);
                v.extend_from_slice(&row[d..]);
            }
            memory.push_layer(&k, &v, self.spec.heads);
        }
        Ok(TransformerState {
            width,
            blocks: (0..b).collect(),
            src_lens,
            memory,
            cache: StepCache::new(self.decoder.len()),
            step: 0,
        })
    }

    fn step(&self, st: &mut TransformerState, tokens: &[u32], attention: Option<AttentionKind>) -> Result<StepOutput> {
        let rows = st.rows();
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
        let d = self.spec.d_model;
        let heads = self.spec.heads;
        let scale = self.scale();
        let width = st.width;
        let lineage = st.cache.begin_step(rows);
        let block_of_row: Vec<usize> = (0..rows).map(|r| st.blocks[r / width]).collect();
        let len_of_row: Vec<usize> = block_of_row.iter().map(|&b| st.src_lens[b]).collect();
        let src_max = st.memory.src_max;

        let ids: Tensor<1, Int> = Tensor::from_data(
            TensorData::new(tokens.iter().map(|&t| t as i64).collect::<Vec<_>>(), [rows]),
            &self.device,
        );
        #[allow(clippy::single_range_in_vec_init)] // one range per dimension, as above
        let pos = self.dec_pos.clone().slice([st.step..st.step + 1]);
        let mut x: Tensor<2> = self.tgt_emb.clone().select(0, ids).mul_scalar(self.spec.embedding_scale) + pos;

        let last = self.decoder.len() - 1;
        let mut probs: Option<Vec<f32>> = None;
        for (li, layer) in self.decoder.iter().enumerate() {
            let cache = &mut st.cache;
            x = self.residual(x, &layer.norm_self, |h| {
                let qkv = layer.self_qkv.forward_to_host(h, "self-attention projections")?;
                let mut q = Vec::with_capacity(rows * d);
                let mut k = Vec::with_capacity(rows * d);
                let mut v = Vec::with_capacity(rows * d);
                for row in qkv.chunks_exact(3 * d) {
                    q.extend_from_slice(&row[..d]);
                    k.extend_from_slice(&row[d..2 * d]);
                    v.extend_from_slice(&row[2 * d..]);
                }
                cache.push(li, k, v);
                let ctx = cache.attend(li, &q, &lineage, heads, scale);
                layer.self_out.forward_from_host(ctx, rows, &self.device)
            })?;

            let want = if li == last { attention } else { None };
            let memory = &st.memory;
            x = self.residual(x, &layer.norm_cross, |h| {
                let q = layer.cross_q.forward_to_host(h, "cross-attention query")?;
                let mut p = want.map(|_| vec![0f32; rows * src_max]);
                let out = p.as_deref_mut().map(|buf| (buf, want == Some(AttentionKind::MeanOfHeads)));
                let ctx = memory.attend(li, &q, &block_of_row, &len_of_row, heads, scale, out);
                if p.is_some() {
                    probs = p;
                }
                layer.cross_out.forward_from_host(ctx, rows, &self.device)
            })?;
            x = self.residual(x, &layer.norm_ffn, |h| layer.ffn.forward(h))?;
        }
        let log_probs = match &self.output {
            Output::Host(layer) => layer.log_probs(&to_host(x, "decoder output")?),
            Output::Device { norm, generator } => {
                let x = match norm {
                    Some(n) => n.forward(x),
                    None => x,
                };
                log_softmax_f32(&generator.forward_to_host(x, "logits")?, self.spec.tgt_vocab_size)
            }
        };
        st.step += 1;
        Ok(StepOutput { log_probs, attention: probs, src_len: src_max })
    }

    fn reorder(&self, st: &mut TransformerState, rows: &[usize]) -> Result<()> {
        let width = st.width;
        let old_rows = st.rows();
        if !rows.len().is_multiple_of(width) || rows.iter().any(|&r| r >= old_rows) {
            return Err(Error::Model(format!("invalid reorder of {old_rows} rows by {rows:?}")));
        }
        let new_items: Vec<usize> = rows.chunks(width).map(|c| c[0] / width).collect();
        if rows.chunks(width).zip(&new_items).any(|(c, &it)| c.iter().any(|&r| r / width != it)) {
            return Err(Error::Model("reorder mixes hypotheses of different inputs".into()));
        }
        st.cache.reorder(rows);
        st.blocks = new_items.iter().map(|&i| st.blocks[i]).collect();
        Ok(())
    }
}

fn to_host<const D: usize>(t: Tensor<D>, what: &str) -> Result<Vec<f32>> {
    t.into_data().try_into_vec::<f32>().map_err(|e| Error::Model(format!("reading {what}: {e:?}")))
}
