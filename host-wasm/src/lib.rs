//! Retort in the browser: a wasm-bindgen host over [`retort_core::Engine`].
//!
//! JS API (see `web/worker.js` for the consumer):
//! ```js
//! import init, { Retort, version } from './pkg/retort_wasm.js';
//! await init();
//! const r = new Retort(new Uint8Array(bundleBytes));   // throws Error on a bad bundle
//! // new Retort(bytes, "int8"): the linear layers' arithmetic, "auto" (as stored), "f32" or "int8"
//! r.info();             // { name, spec, src_vocab_size, tgt_vocab_size, tokenizer_kind, provenance, ... }
//! r.defaultOptions();   // the bundle's decoding defaults, TranslateOptions' field names
//! r.translate(['CC(=O)Cl.OCC'], { beam_size: 5, n_best: 3, return_attention: true },
//!             (done, total) => {});
//! // -> [{ source_tokens: [...], predictions: [{ tokens, text, score,
//! //        attention?: { rows, cols, data: Float32Array(rows * cols) } }] }]
//! ```
//! Options override the bundle's defaults field by field; unknown fields are errors. Every
//! failure is thrown as a JS `Error` carrying the core's message.

use js_sys::{Array, Float32Array, Function, Object, Reflect, JSON};
use retort_core::{Bundle, ComputeType, Engine, Request, Source, TranslateOptions, Translation};
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// Version of this host (the workspace version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// A loaded model.
#[wasm_bindgen]
pub struct Retort {
    engine: Engine,
}

#[wasm_bindgen]
impl Retort {
    /// Loads a `.retort` bundle from its bytes; `compute_type` ("auto" when absent, "f32" or
    /// "int8") is the linear layers' arithmetic.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], compute_type: Option<String>) -> Result<Retort, JsError> {
        let compute: ComputeType = compute_type.as_deref().unwrap_or("auto").parse().map_err(to_js)?;
        let bundle = Bundle::from_bytes(bytes).map_err(to_js)?;
        let engine = Engine::load(&bundle, &retort_models::generated_models(), compute).map_err(to_js)?;
        Ok(Retort { engine })
    }

    /// Model information: name, spec, vocabulary sizes, tokenizer kind, provenance,
    /// decoding defaults and parameter count.
    pub fn info(&self) -> Result<JsValue, JsError> {
        json_to_js(&info_json(&self.engine))
    }

    /// The bundle's decoding defaults (TranslateOptions' field names).
    #[wasm_bindgen(js_name = defaultOptions)]
    pub fn default_options(&self) -> Result<JsValue, JsError> {
        let v = serde_json::to_value(self.engine.default_options()).map_err(to_js)?;
        json_to_js(&v)
    }

    /// Source tokens the model would see for `text`.
    pub fn tokenize(&self, text: &str) -> Result<Vec<String>, JsError> {
        self.engine.source_tokens(&Source::Text(text.to_string())).map_err(to_js)
    }

    /// Translates `inputs` (raw or space-tokenized text, one per element). `options` is
    /// `undefined`/`null` or an object of TranslateOptions fields that override the bundle's
    /// defaults; `progress(done, total)` is called as each input finishes (within a batch too).
    pub fn translate(
        &self,
        inputs: Vec<String>,
        options: JsValue,
        progress: Option<Function>,
    ) -> Result<Array, JsError> {
        let overrides = if options.is_undefined() || options.is_null() {
            None
        } else {
            let s = JSON::stringify(&options).map_err(|_| JsError::new("invalid options: not JSON-serializable"))?;
            let s: String = s.into();
            Some(serde_json::from_str::<Value>(&s).map_err(|e| JsError::new(&format!("invalid options: {e}")))?)
        };
        let opts = merge_options(&self.engine.default_options(), overrides.as_ref()).map_err(to_js)?;
        let mut callback_error: Option<JsValue> = None;
        let mut report = |done: usize, total: usize| {
            if let (Some(f), None) = (&progress, &callback_error) {
                if let Err(e) = f.call2(&JsValue::NULL, &JsValue::from(done as u32), &JsValue::from(total as u32)) {
                    callback_error = Some(e);
                }
            }
        };
        // The one request path of every host: the core tokenizes and checks each input.
        let request =
            Request { sources: inputs.into_iter().map(Source::Text).collect(), target_prefixes: None, options: opts };
        let out = self.engine.run(&request, &mut report).map_err(to_js)?;
        if let Some(e) = callback_error {
            let msg = e.as_string().or_else(|| Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()));
            return Err(JsError::new(&format!("progress callback threw: {}", msg.unwrap_or_else(|| "?".into()))));
        }
        Ok(out.iter().map(translation_to_js).collect())
    }
}

fn to_js(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn json_to_js(v: &Value) -> Result<JsValue, JsError> {
    JSON::parse(&v.to_string()).map_err(|_| JsError::new("internal: JSON.parse failed"))
}

/// The bundle's defaults with `overrides`' fields put over them, field by field.
pub fn merge_options(
    defaults: &TranslateOptions,
    overrides: Option<&Value>,
) -> Result<TranslateOptions, retort_core::Error> {
    defaults.with_overrides(overrides)
}

/// Model information as JSON (what `info()` returns).
pub fn info_json(engine: &Engine) -> Value {
    let meta = engine.meta();
    let spec = &meta.spec;
    serde_json::json!({
        "name": meta.name,
        "task": meta.task,
        "spec": spec,
        "src_vocab_size": spec.src_vocab_size,
        "tgt_vocab_size": spec.tgt_vocab_size,
        "parameters": spec.parameter_count(),
        "tokenizer_kind": meta.tokenizer_kind,
        "provenance": meta.provenance,
        "decoding": meta.decoding,
        "format_version": retort_core::bundle::FORMAT_VERSION,
        "compute_type": engine.compute_type(),
        "host": format!("retort-wasm {}", env!("CARGO_PKG_VERSION")),
    })
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Reflect::set on a plain fresh object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn strings(items: &[String]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

fn translation_to_js(t: &Translation) -> JsValue {
    let obj = Object::new();
    set(&obj, "source_tokens", &strings(&t.source_tokens));
    if !t.unknown_source_tokens.is_empty() {
        set(&obj, "unknown_source_tokens", &strings(&t.unknown_source_tokens));
    }
    let preds: Array = t
        .predictions
        .iter()
        .map(|p| {
            let o = Object::new();
            set(&o, "tokens", &strings(&p.tokens));
            set(&o, "text", &JsValue::from_str(&p.text));
            set(&o, "score", &JsValue::from_f64(p.score));
            if let Some(att) = &p.attention {
                let rows = att.len();
                let cols = att.first().map_or(0, Vec::len);
                let flat: Vec<f32> = att.iter().flat_map(|r| r.iter().copied()).collect();
                let a = Object::new();
                set(&a, "rows", &JsValue::from(rows as u32));
                set(&a, "cols", &JsValue::from(cols as u32));
                set(&a, "data", &Float32Array::from(flat.as_slice()));
                set(&o, "attention", &a);
            }
            JsValue::from(o)
        })
        .collect();
    set(&obj, "predictions", &preds);
    obj.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_overrides_field_by_field() {
        let d = TranslateOptions { beam_size: 10, n_best: 10, min_length: 3, ..Default::default() };
        let o = merge_options(&d, Some(&serde_json::json!({"n_best": 2, "return_attention": true}))).unwrap();
        assert_eq!((o.beam_size, o.n_best, o.min_length, o.return_attention), (10, 2, 3, true));
        assert_eq!(merge_options(&d, None).unwrap(), d);
    }

    #[test]
    fn merge_rejects_unknown_and_invalid() {
        let d = TranslateOptions::default();
        let e = merge_options(&d, Some(&serde_json::json!({"beam": 3}))).unwrap_err().to_string();
        assert!(e.contains("unknown field `beam`"), "{e}");
        let e = merge_options(&d, Some(&serde_json::json!({"beam_size": 0}))).unwrap_err().to_string();
        assert!(e.contains("beam_size"), "{e}");
        let e = merge_options(&d, Some(&serde_json::json!([1]))).unwrap_err().to_string();
        assert!(e.contains("expected an object"), "{e}");
    }
}
