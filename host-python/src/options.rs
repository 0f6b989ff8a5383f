//! `translate_batch`'s keyword arguments (CTranslate2's names where they mean the same thing)
//! put over the bundle's decoding defaults. An argument left out, or given as `None`, keeps the
//! bundle's default, so `translate_batch(x)` decodes as `retort translate` does; the README's
//! "Python" section lists each argument and the core option it sets.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use retort_core::options::{CoveragePenalty, LengthPenalty};
use retort_core::{TranslateOptions, UnknownTokens};

/// Python's argument name for each core option it sets, where the two differ.
const RENAMED: [(&str, &str); 6] = [
    ("n_best", "num_hypotheses"),
    ("min_length", "min_decoding_length"),
    ("max_length", "max_decoding_length"),
    ("replace_unk", "replace_unknowns"),
    ("batch_size", "max_batch_size"),
    ("block_ngram_repeat", "no_repeat_ngram_size"),
];

/// The Python name of a core option.
pub fn python_name(core: &str) -> &str {
    RENAMED.iter().find(|(c, _)| *c == core).map_or(core, |(_, p)| p)
}

/// A core message with its option names replaced by the Python ones (whole words only).
pub fn python_words(message: &str) -> String {
    message
        .split_inclusive(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|piece| {
            let word = piece.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            format!("{}{}", python_name(word), &piece[word.len()..])
        })
        .collect()
}

/// The decoding arguments a call gave; `None` = keep the bundle's default.
#[derive(Clone, Debug, Default)]
pub struct DecodeArgs {
    beam_size: Option<usize>,
    num_hypotheses: Option<usize>,
    length_penalty: Option<LengthPenalty>,
    alpha: Option<f32>,
    coverage_penalty: Option<CoveragePenalty>,
    beta: Option<f32>,
    min_decoding_length: Option<usize>,
    max_decoding_length: Option<usize>,
    no_repeat_ngram_size: Option<usize>,
    replace_unknowns: Option<bool>,
    ban_unk_token: Option<bool>,
    sampling_topk: Option<usize>,
    sampling_topp: Option<f32>,
    sampling_temperature: Option<f32>,
    seed: Option<u64>,
    unknown_tokens: Option<UnknownTokens>,
    pub max_batch_size: Option<usize>,
    /// CTranslate2's default: scores are returned.
    pub return_scores: bool,
    pub return_attention: bool,
}

/// The keyword arguments `translate_batch` and `translate_iterable` share (besides
/// `max_batch_size`, whose default differs between the two).
pub const DECODE_ARGUMENTS: [&str; 18] = [
    "beam_size",
    "num_hypotheses",
    "length_penalty",
    "alpha",
    "coverage_penalty",
    "beta",
    "min_decoding_length",
    "max_decoding_length",
    "no_repeat_ngram_size",
    "replace_unknowns",
    "ban_unk_token",
    "sampling_topk",
    "sampling_topp",
    "sampling_temperature",
    "seed",
    "unknown_tokens",
    "return_scores",
    "return_attention",
];

impl DecodeArgs {
    /// Reads the keyword arguments of `function`; an unknown name is a `TypeError` as Python's
    /// own, a wrong type a `TypeError` and a bad value a `ValueError`, each naming the argument.
    pub fn from_kwargs(function: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<DecodeArgs> {
        let mut a = DecodeArgs { return_scores: true, ..DecodeArgs::default() };
        let Some(kwargs) = kwargs else { return Ok(a) };
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            if value.is_none() {
                if key == "max_batch_size" || DECODE_ARGUMENTS.contains(&key.as_str()) {
                    continue;
                }
                return Err(unexpected(function, &key));
            }
            let v = &value;
            match key.as_str() {
                "beam_size" => a.beam_size = Some(count(&key, v)?),
                "num_hypotheses" => a.num_hypotheses = Some(count(&key, v)?),
                "length_penalty" => a.length_penalty = Some(length_penalty(v)?),
                "alpha" => a.alpha = Some(number(&key, v)?),
                "coverage_penalty" => a.coverage_penalty = Some(coverage_penalty(v)?),
                "beta" => a.beta = Some(number(&key, v)?),
                "min_decoding_length" => a.min_decoding_length = Some(count(&key, v)?),
                "max_decoding_length" => a.max_decoding_length = Some(count(&key, v)?),
                "no_repeat_ngram_size" => a.no_repeat_ngram_size = Some(count(&key, v)?),
                "replace_unknowns" => a.replace_unknowns = Some(flag(&key, v)?),
                "ban_unk_token" => a.ban_unk_token = Some(flag(&key, v)?),
                "sampling_topk" => a.sampling_topk = Some(count(&key, v)?),
                "sampling_topp" => a.sampling_topp = Some(number(&key, v)?),
                "sampling_temperature" => a.sampling_temperature = Some(number(&key, v)?),
                "seed" => a.seed = Some(count(&key, v)? as u64),
                "unknown_tokens" => a.unknown_tokens = Some(unknown_tokens(v)?),
                "max_batch_size" => a.max_batch_size = Some(count(&key, v)?),
                "return_scores" => a.return_scores = flag(&key, v)?,
                "return_attention" => a.return_attention = flag(&key, v)?,
                _ => return Err(unexpected(function, &key)),
            }
        }
        Ok(a)
    }

    /// The bundle's `defaults` with the given arguments put over them, validated by the core
    /// (its messages in the Python names; an error caused by a default says so).
    pub fn options(&self, defaults: &TranslateOptions) -> PyResult<TranslateOptions> {
        fn set<T: Clone>(dst: &mut T, src: &Option<T>) {
            if let Some(v) = src {
                *dst = v.clone();
            }
        }
        let mut o = defaults.clone();
        set(&mut o.beam_size, &self.beam_size);
        set(&mut o.n_best, &self.num_hypotheses);
        set(&mut o.length_penalty, &self.length_penalty);
        set(&mut o.alpha, &self.alpha);
        set(&mut o.coverage_penalty, &self.coverage_penalty);
        set(&mut o.beta, &self.beta);
        set(&mut o.min_length, &self.min_decoding_length);
        set(&mut o.max_length, &self.max_decoding_length);
        set(&mut o.block_ngram_repeat, &self.no_repeat_ngram_size);
        set(&mut o.replace_unk, &self.replace_unknowns);
        set(&mut o.ban_unk_token, &self.ban_unk_token);
        // CTranslate2's rule: top-k 1 is the search (greedy or beam), 0 samples from the whole
        // vocabulary, k > 1 from the k best.
        if let Some(k) = self.sampling_topk {
            o.sampling = k != 1;
            o.sampling_topk = if k == 1 { 0 } else { k };
        }
        set(&mut o.sampling_topp, &self.sampling_topp);
        set(&mut o.sampling_temperature, &self.sampling_temperature);
        set(&mut o.seed, &self.seed);
        set(&mut o.unknown_tokens, &self.unknown_tokens);
        // 0 (CTranslate2's "no limit") keeps the bundle's batch size: results do not depend on
        // how inputs are batched, only speed and memory do.
        if let Some(n) = self.max_batch_size.filter(|&n| n > 0) {
            o.batch_size = n;
        }
        o.return_attention = self.return_attention;
        o.validate().map_err(|e| match e {
            retort_core::Error::InvalidOption { option, problem } => {
                let name = python_name(option);
                let given = match option {
                    "beam_size" => self.beam_size.is_some(),
                    "n_best" => self.num_hypotheses.is_some(),
                    "min_length" => self.min_decoding_length.is_some(),
                    "max_length" => self.max_decoding_length.is_some(),
                    _ => true,
                };
                let note = if given { "" } else { " (not given: the model's default)" };
                PyValueError::new_err(format!("{name}{note}: {}", python_words(&problem)))
            }
            other => PyValueError::new_err(other.to_string()),
        })?;
        Ok(o)
    }
}

fn unexpected(function: &str, key: &str) -> PyErr {
    PyTypeError::new_err(format!("{function}() got an unexpected keyword argument '{key}'"))
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// A non-negative integer (not a bool).
pub fn count(name: &str, v: &Bound<'_, PyAny>) -> PyResult<usize> {
    if !v.is_instance_of::<PyInt>() || v.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be an int, not {}", type_name(v))));
    }
    let n: i128 = v.extract().map_err(|_| PyValueError::new_err(format!("{name}: {v} is out of range")))?;
    usize::try_from(n).map_err(|_| PyValueError::new_err(format!("{name} must be >= 0, got {n}")))
}

/// A float or an int (not a bool), as f32.
fn number(name: &str, v: &Bound<'_, PyAny>) -> PyResult<f32> {
    if !(v.is_instance_of::<PyFloat>() || v.is_instance_of::<PyInt>()) || v.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be a number, not {}", type_name(v))));
    }
    let x: f64 = v.extract()?;
    Ok(x as f32)
}

pub fn flag(name: &str, v: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !v.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be a bool, not {}", type_name(v))));
    }
    v.extract()
}

/// One of `choices`, given as a str.
pub fn choice<'c>(name: &str, v: &Bound<'_, PyAny>, choices: &[&'c str]) -> PyResult<&'c str> {
    if !v.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!("{name} must be a str, not {}", type_name(v))));
    }
    let s: String = v.extract()?;
    let wanted = s.replace('-', "_");
    choices
        .iter()
        .find(|c| **c == wanted)
        .copied()
        .ok_or_else(|| PyValueError::new_err(format!("{name}: {s:?} is not one of {}", choices.join(", "))))
}

/// OpenNMT-py's kinds by name, or CTranslate2's exponent: score / length^x, of which Retort has
/// x = 0 (off) and x = 1 (OpenNMT-py's "avg").
fn length_penalty(v: &Bound<'_, PyAny>) -> PyResult<LengthPenalty> {
    if v.is_instance_of::<PyString>() {
        return Ok(match choice("length_penalty", v, &["none", "avg", "wu"])? {
            "avg" => LengthPenalty::Avg,
            "wu" => LengthPenalty::Wu,
            _ => LengthPenalty::None,
        });
    }
    let x = number("length_penalty", v)
        .map_err(|_| PyTypeError::new_err(format!("length_penalty must be a str or a number, not {}", type_name(v))))?;
    if x == 0.0 {
        Ok(LengthPenalty::None)
    } else if x == 1.0 {
        Ok(LengthPenalty::Avg)
    } else {
        Err(PyValueError::new_err(format!(
            "length_penalty: the exponent {x} is not implemented (0: none, 1: score / length); use \
             length_penalty=\"wu\" with alpha=... for GNMT's penalty"
        )))
    }
}

/// OpenNMT-py's kinds by name (weight `beta`), or 0 (CTranslate2's default: off).
fn coverage_penalty(v: &Bound<'_, PyAny>) -> PyResult<CoveragePenalty> {
    if v.is_instance_of::<PyString>() {
        return Ok(match choice("coverage_penalty", v, &["none", "wu", "summary"])? {
            "wu" => CoveragePenalty::Wu,
            "summary" => CoveragePenalty::Summary,
            _ => CoveragePenalty::None,
        });
    }
    match number("coverage_penalty", v) {
        Ok(0.0) => Ok(CoveragePenalty::None),
        Ok(x) => Err(PyValueError::new_err(format!(
            "coverage_penalty: give the kind by name (\"wu\" or \"summary\") and its weight as beta={x}"
        ))),
        Err(_) => {
            Err(PyTypeError::new_err(format!("coverage_penalty must be a str or a number, not {}", type_name(v))))
        }
    }
}

fn unknown_tokens(v: &Bound<'_, PyAny>) -> PyResult<UnknownTokens> {
    Ok(match choice("unknown_tokens", v, &["map", "refuse"])? {
        "refuse" => UnknownTokens::Refuse,
        _ => UnknownTokens::Map,
    })
}
