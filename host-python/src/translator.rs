//! `retort.Translator`: one loaded model, shared by any number of Python threads. Every call
//! builds the core's `Request` and runs it with the GIL released, like every other host.

use std::collections::VecDeque;
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyString};
use retort_core::{Bundle, ComputeType, Engine, Request, Source, TranslateOptions, Translation};

use crate::json::json_to_py;
use crate::model::{decode_error, load_error, model_bytes};
use crate::options::{choice, count, DecodeArgs};
use crate::results::TranslationResult;

/// `translate_iterable`'s default reading and decoding batch, as CTranslate2's.
const ITERABLE_BATCH: usize = 32;

/// The engine and the threads it decodes on; immutable once built, so sharing is free.
struct Shared {
    engine: Engine,
    /// `intra_threads > 0`: this translator's own pool; otherwise rayon's global one.
    pool: Option<rayon::ThreadPool>,
    describe: String,
}

impl Shared {
    /// Runs a request with the GIL released, so other Python threads go on meanwhile.
    fn decode(&self, py: Python<'_>, request: &Request) -> retort_core::Result<Vec<Translation>> {
        py.detach(|| {
            let run = || self.engine.run(request, &mut |_, _| {});
            match &self.pool {
                Some(pool) => pool.install(run),
                None => run(),
            }
        })
    }
}

/// A Retort model loaded for translation (reactant SMILES to product SMILES for the Molecular
/// Transformer), like CTranslate2's `Translator`.
///
///   model          None: the built-in default model (a toy Molecular Transformer);
///                  a path (str or os.PathLike) to a .retort bundle; or the bundle's bytes.
///                  Checkpoints are converted first with retort.import_model().
///   compute_type   arithmetic of the linear layers: "auto"/"default" (as the bundle stores its
///                  weights: int8 bundles in int8, f32 and f16 bundles in float32), "float32",
///                  or "int8" / "int8_float32" (int8 weights and activations, float32 for the
///                  rest; an f32 bundle's weights are quantized at load).
///   intra_threads  threads decoding one call (0: one per core, shared by all translators).
///
/// A Translator is immutable: several Python threads may share one, and decoding releases
/// the GIL. Its decoding defaults are the bundle's (see default_options); translate_batch's
/// arguments override them one by one.
#[pyclass(frozen, module = "retort")]
pub struct Translator {
    shared: Arc<Shared>,
}

#[pymethods]
impl Translator {
    #[new]
    #[pyo3(signature = (model=None, compute_type=None, intra_threads=None))]
    #[pyo3(text_signature = "(model=None, compute_type='auto', intra_threads=0)")]
    fn new(
        py: Python<'_>,
        model: Option<&Bound<'_, PyAny>>,
        compute_type: Option<&Bound<'_, PyAny>>,
        intra_threads: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Translator> {
        let compute = match compute_type.filter(|c| !c.is_none()) {
            Some(c) => choice("compute_type", c, &["auto", "default", "float32", "f32", "int8", "int8_float32"])?
                .parse::<ComputeType>()
                .map_err(|e| PyValueError::new_err(e.to_string()))?,
            None => ComputeType::Auto,
        };
        let threads = match intra_threads.filter(|t| !t.is_none()) {
            Some(t) => count("intra_threads", t)?,
            None => 0,
        };
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        if threads > cores {
            return Err(PyValueError::new_err(format!(
                "intra_threads: {threads} is more than this machine's {cores} cores"
            )));
        }
        let source = model_bytes("model", model)?;
        let describe = source.describe.clone();
        let engine = py
            .detach(|| {
                let bundle = Bundle::from_bytes(&source.bytes)?;
                Engine::load(&bundle, &retort_models::generated_models(), compute)
            })
            .map_err(|e| load_error("model", &describe, e))?;
        let pool = if threads == 0 {
            None
        } else {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| {
                pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start {threads} worker threads: {e}"))
            })?;
            Some(pool)
        };
        Ok(Translator { shared: Arc::new(Shared { engine, pool, describe }) })
    }

    /// Translates a batch: one TranslationResult per source, in order.
    ///
    ///   source               list of str (raw text such as SMILES, split by the bundle's
    ///                        tokenizer; spaces between SMILES characters are ignored) or of
    ///                        token lists (taken as given).
    ///   target_prefix        None, or one forced start of the output per source: a list of
    ///                        target tokens, a space-separated str, or None.
    ///
    /// Decoding options (CTranslate2's names; None or left out: the bundle's default, see
    /// Translator.default_options):
    ///
    ///   beam_size            beam width (1: greedy).
    ///   num_hypotheses       predictions per input (at most beam_size).
    ///   length_penalty       "none", "avg", "wu" (OpenNMT-py), or CTranslate2's exponent:
    ///                        0 (none) or 1 (score / length).
    ///   alpha                the "wu" length penalty's parameter.
    ///   coverage_penalty     "none", "wu" or "summary" (or 0: none); weight beta.
    ///   beta                 the coverage penalty's weight.
    ///   min_decoding_length  generated tokens before the end token is allowed.
    ///   max_decoding_length  most generated tokens (the end token included).
    ///   no_repeat_ngram_size forbid repeating an n-gram of this size (0: off).
    ///   replace_unknowns     replace generated unknown tokens by the most attended source token.
    ///   ban_unk_token        never generate the unknown token.
    ///   sampling_topk        1: search (beam or greedy); 0: sample from the whole vocabulary;
    ///                        k > 1: sample from the k most likely tokens.
    ///   sampling_topp        nucleus sampling threshold in (0, 1] (1: off).
    ///   sampling_temperature sampling temperature (> 0).
    ///   seed                 sampling seed; equal seeds give equal outputs.
    ///   unknown_tokens       source tokens outside the vocabulary: "map" (decode them as the
    ///                        unknown token, listed in unknown_source_tokens) or "refuse".
    ///   max_batch_size       inputs decoded together (0: the bundle's batch size); results do
    ///                        not depend on it.
    ///
    /// Output: return_scores (default True) fills .scores; return_attention (default False)
    /// fills .attention ([target steps x source tokens] per hypothesis, the first head of the
    /// last decoder layer, with a row for the end token).
    ///
    /// Raises TypeError or ValueError naming the argument (source[i] for an input), before any
    /// decoding.
    #[pyo3(signature = (source, target_prefix=None, **options))]
    #[pyo3(
        text_signature = "(self, source, target_prefix=None, *, max_batch_size=0, beam_size=None, num_hypotheses=None, \
                          length_penalty=None, alpha=None, coverage_penalty=None, beta=None, \
                          min_decoding_length=None, max_decoding_length=None, no_repeat_ngram_size=None, \
                          replace_unknowns=None, ban_unk_token=None, sampling_topk=None, sampling_topp=None, \
                          sampling_temperature=None, seed=None, unknown_tokens=None, return_scores=True, \
                          return_attention=False)"
    )]
    fn translate_batch(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        target_prefix: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<TranslationResult>> {
        let args = DecodeArgs::from_kwargs("translate_batch", options)?;
        let options = args.options(&self.shared.engine.default_options())?;
        let sources = sequence("source", source, false)?;
        let target_prefixes = match target_prefix.filter(|p| !p.is_none()) {
            None => None,
            Some(p) => {
                let prefixes = sequence("target_prefix", p, true)?;
                if prefixes.len() != sources.len() {
                    return Err(PyValueError::new_err(format!(
                        "target_prefix: {} prefixes for {} sources (one per source)",
                        prefixes.len(),
                        sources.len()
                    )));
                }
                Some(prefixes)
            }
        };
        let request = Request { sources, target_prefixes, options };
        let out = self.shared.decode(py, &request).map_err(|e| decode_error(e, 0))?;
        Ok(out.into_iter().map(|t| TranslationResult::new(t, args.return_scores)).collect())
    }

    /// Translates a (possibly huge or endless) iterable lazily: reads max_batch_size inputs,
    /// decodes them, yields their results in input order, and reads on only when they are
    /// consumed. source and target_prefix items and the options are as for translate_batch.
    /// An error names the input by its position in the whole stream (source[i]) and ends the
    /// iteration.
    #[pyo3(signature = (source, target_prefix=None, **options))]
    #[pyo3(text_signature = "(self, source, target_prefix=None, *, max_batch_size=32, **options)")]
    fn translate_iterable(
        &self,
        source: &Bound<'_, PyAny>,
        target_prefix: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<TranslationIterator> {
        let mut args = DecodeArgs::from_kwargs("translate_iterable", options)?;
        let chunk = *args.max_batch_size.get_or_insert(ITERABLE_BATCH);
        if chunk == 0 {
            return Err(PyValueError::new_err("max_batch_size must be at least 1 for translate_iterable"));
        }
        let options = args.options(&self.shared.engine.default_options())?;
        let iter = |name: &str, v: &Bound<'_, PyAny>| -> PyResult<Py<PyIterator>> {
            not_a_string(name, v)?;
            Ok(v.try_iter().map_err(|_| not_iterable(name, v))?.unbind())
        };
        Ok(TranslationIterator {
            shared: self.shared.clone(),
            source: iter("source", source)?,
            prefixes: target_prefix.filter(|p| !p.is_none()).map(|p| iter("target_prefix", p)).transpose()?,
            options,
            return_scores: args.return_scores,
            chunk,
            pending: VecDeque::new(),
            consumed: 0,
            finished: false,
        })
    }

    /// The bundle's decoding defaults (the core's option names, as in `retort inspect`).
    #[getter]
    fn default_options(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.shared.engine.default_options())
    }

    /// The arithmetic this translator decodes in: "float32" or "int8" (compute_type resolved
    /// against the bundle).
    #[getter]
    fn compute_type(&self) -> &'static str {
        match self.shared.engine.compute_type() {
            ComputeType::Int8 => "int8",
            _ => "float32",
        }
    }

    /// The model's name (may be empty).
    #[getter]
    fn model_name(&self) -> String {
        self.shared.engine.meta().name.clone()
    }

    /// What the model does ("reaction_prediction", ...), or None when the bundle does not say.
    #[getter]
    fn task(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.shared.engine.meta().task)
    }

    /// Longest source, in tokens, the model's positions allow.
    #[getter]
    fn max_source_tokens(&self) -> usize {
        self.shared.engine.max_source_tokens()
    }

    /// Splits raw text into source tokens with the bundle's tokenizer (what translate_batch
    /// does to a str source).
    fn tokenize(&self, text: &str) -> PyResult<Vec<String>> {
        self.shared.engine.source_tokens(&Source::Text(text.to_string())).map_err(|e| decode_error(e, 0))
    }

    fn __repr__(&self) -> String {
        format!("retort.Translator(model={:?})", self.shared.describe)
    }
}

/// The lazy results of `Translator.translate_iterable`.
#[pyclass(module = "retort")]
pub struct TranslationIterator {
    shared: Arc<Shared>,
    source: Py<PyIterator>,
    prefixes: Option<Py<PyIterator>>,
    options: TranslateOptions,
    return_scores: bool,
    chunk: usize,
    pending: VecDeque<TranslationResult>,
    /// Inputs read so far: the stream position of the next one, for error messages.
    consumed: usize,
    finished: bool,
}

#[pymethods]
impl TranslationIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<TranslationResult>> {
        if self.pending.is_empty() && !self.finished {
            if let Err(e) = self.next_chunk(py) {
                self.finished = true;
                return Err(e);
            }
        }
        Ok(self.pending.pop_front())
    }
}

impl TranslationIterator {
    /// Reads up to `chunk` inputs (and their prefixes) and decodes them.
    fn next_chunk(&mut self, py: Python<'_>) -> PyResult<()> {
        let mut sources = Vec::with_capacity(self.chunk);
        let mut prefixes = self.prefixes.as_ref().map(|_| Vec::with_capacity(self.chunk));
        let mut source = self.source.bind(py).clone();
        while sources.len() < self.chunk {
            let index = self.consumed + sources.len();
            let Some(item) = source.next().transpose()? else {
                self.finished = true;
                break;
            };
            sources.push(item_source("source", index, &item, false)?);
            if let (Some(out), Some(it)) = (prefixes.as_mut(), self.prefixes.as_ref()) {
                let mut it = it.bind(py).clone();
                let prefix = it.next().transpose()?.ok_or_else(|| {
                    PyValueError::new_err(format!("target_prefix: ran out before source[{index}] (one per source)"))
                })?;
                out.push(item_source("target_prefix", index, &prefix, true)?);
            }
        }
        if sources.is_empty() {
            return Ok(());
        }
        let first = self.consumed;
        self.consumed += sources.len();
        let request = Request { sources, target_prefixes: prefixes, options: self.options.clone() };
        let out = self.shared.decode(py, &request).map_err(|e| decode_error(e, first))?;
        self.pending.extend(out.into_iter().map(|t| TranslationResult::new(t, self.return_scores)));
        Ok(())
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map_or_else(|_| "?".to_string(), |n| n.to_string())
}

fn not_iterable(name: &str, v: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("{name} must be a list of str or of token lists, not {}", type_name(v)))
}

/// A bare str is iterable too, but one character per input is never what was meant.
fn not_a_string(name: &str, v: &Bound<'_, PyAny>) -> PyResult<()> {
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyBytes>() {
        return Err(not_iterable(name, v));
    }
    Ok(())
}

/// Every item of a list (or other iterable) of inputs.
fn sequence(name: &str, v: &Bound<'_, PyAny>, allow_none: bool) -> PyResult<Vec<Source>> {
    not_a_string(name, v)?;
    let items = v.try_iter().map_err(|_| not_iterable(name, v))?;
    items.enumerate().map(|(i, item)| item_source(name, i, &item?, allow_none)).collect()
}

/// One input: a str (raw text) or a list/tuple of str tokens; `None` (prefixes only) = none.
fn item_source(name: &str, index: usize, item: &Bound<'_, PyAny>, allow_none: bool) -> PyResult<Source> {
    if allow_none && item.is_none() {
        return Ok(Source::Tokens(Vec::new()));
    }
    if item.is_instance_of::<PyString>() {
        return Ok(Source::Text(item.extract()?));
    }
    let bad = || {
        PyTypeError::new_err(format!(
            "{name}[{index}] must be a str or a list of str tokens{}, not {}",
            if allow_none { " or None" } else { "" },
            type_name(item)
        ))
    };
    if item.is_instance_of::<PyBytes>() {
        return Err(bad());
    }
    let tokens = item.try_iter().map_err(|_| bad())?;
    tokens
        .map(|t| {
            let t = t?;
            if !t.is_instance_of::<PyString>() {
                return Err(bad());
            }
            t.extract::<String>()
        })
        .collect::<PyResult<Vec<String>>>()
        .map(Source::Tokens)
}
