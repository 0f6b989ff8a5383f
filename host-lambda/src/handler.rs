//! One invocation: parse, check against the caps, decode, encode, and pick the sink (inline JSON,
//! inline gzip + base64, or S3). Proxy callers always get an HTTP response, errors included;
//! direct callers get the answer or a function error with `errorType` and `errorMessage`, or,
//! when they ask with `"errors": "reply"`, the whole error body as a reply
//! (`retort_lambda_protocol::error` says why).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use retort_core::sink::{base64_encode, gzip, Encoding, Sink, SinkPolicy};
use retort_core::{Engine, Request as CoreRequest, TokenInput, TranslateOptions, UnknownTokens};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use retort_lambda_protocol::{ErrorDelivery, ErrorReply};

use crate::config::Config;
use crate::error::{ErrorKind, FunctionError};
use crate::event::{parse_event, Request, TranslateRequest, Transport, WantEncoding, WantOutput};
use crate::store::OutputStore;
use crate::wire::{round_attention, Answer, ModelInfo, PackedAnswer, StoredAnswer, Timing, Top1, WarmupReply};

pub struct App {
    pub engine: Engine,
    pub model: ModelInfo,
    pub config: Config,
    pub store: Option<OutputStore>,
    pub init_ms: f64,
    cold: AtomicBool,
}

type Payload = Box<RawValue>;

fn raw<T: Serialize>(value: &T) -> Payload {
    let text = serde_json::to_string(value).expect("answers serialize to JSON");
    RawValue::from_string(text).expect("serde_json produced valid JSON")
}

impl App {
    pub fn new(engine: Engine, model: ModelInfo, config: Config, store: Option<OutputStore>, init_ms: f64) -> App {
        App { engine, model, config, store, init_ms, cold: AtomicBool::new(true) }
    }

    pub async fn handle(&self, event: Value, request_id: &str) -> Result<Payload, FunctionError> {
        let inv = parse_event(event);
        let result = match inv.request {
            Err(e) => Err(e),
            Ok(Request::Warmup) => Ok(Reply::Small(raw(&WarmupReply {
                warmup: true,
                model: self.model.clone(),
                decoding: self.engine.default_options(),
            }))),
            Ok(Request::Info) => Ok(Reply::Small(raw(&self.info()))),
            Ok(Request::Preflight) => Ok(Reply::Preflight),
            Ok(Request::Translate(req)) => {
                let gz = req.encoding == WantEncoding::Gzip || (inv.transport.is_proxy() && inv.accepts_gzip);
                self.translate(req, inv.transport, gz, request_id).await
            }
        };
        match inv.transport {
            Transport::Direct => match result {
                Ok(Reply::Small(p) | Reply::Ready(p)) => Ok(p),
                Ok(Reply::Preflight) => Ok(raw(&json!({}))),
                // Asked for: the refusal as a normal reply, so its fields (the input at fault)
                // reach the caller; a function error could carry only type and message.
                Err(e) if inv.errors == ErrorDelivery::Reply => Ok(raw(&ErrorReply { error: e.body() })),
                Err(e) => Err(e),
            },
            _ => Ok(match result {
                Ok(Reply::Small(p)) => self.proxy(200, p.get(), false),
                Ok(Reply::Ready(p)) => p,
                Ok(Reply::Preflight) => self.proxy(204, "", false),
                Err(e) => {
                    self.proxy(e.kind.http_status(), &serde_json::to_string(&e.body()).unwrap_or_default(), false)
                }
            }),
        }
    }

    fn info(&self) -> Value {
        let meta = self.engine.meta();
        json!({
            "model": self.model,
            "spec": meta.spec,
            "provenance": meta.provenance,
            "decoding": meta.decoding,
            "host": format!("retort-lambda {}", env!("CARGO_PKG_VERSION")),
            "limits": {"max_inputs": self.config.max_inputs, "max_beam": self.config.max_beam,
                       "max_length": self.config.max_length, "max_source_tokens": self.engine.max_source_tokens()},
        })
    }

    /// An API Gateway / function URL proxy response (the same shape serves payload formats 1.0
    /// and 2.0), with the CORS headers a browser page needs.
    fn proxy(&self, status: u16, body: &str, gzip_b64: bool) -> Payload {
        let mut headers = json!({
            "Content-Type": "application/json",
            "Access-Control-Allow-Origin": self.config.cors_allow_origin,
            "Access-Control-Allow-Headers": "Content-Type,Accept-Encoding",
            "Access-Control-Allow-Methods": "OPTIONS,POST,GET",
        });
        if gzip_b64 {
            headers["Content-Encoding"] = json!("gzip");
        }
        raw(&json!({"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": gzip_b64}))
    }

    fn options(&self, req: &TranslateRequest) -> Result<TranslateOptions, FunctionError> {
        let mut opts = self.engine.default_options().with_overrides(Some(&req.options))?;
        let c = &self.config;
        // options.unknown_tokens, else the legacy allow_unknown_tokens, else the operator's
        // UNKNOWN_TOKENS, else the bundle's default.
        if req.options.get("unknown_tokens").is_none() {
            let asked =
                req.allow_unknown_tokens.map(|allow| if allow { UnknownTokens::Map } else { UnknownTokens::Refuse });
            if let Some(policy) = asked.or(c.unknown_tokens) {
                opts.unknown_tokens = policy;
            }
        }
        if opts.beam_size > c.max_beam {
            return Err(FunctionError::limit(format!(
                "options.beam_size: {} is over this function's MAX_BEAM {}",
                opts.beam_size, c.max_beam
            )));
        }
        if opts.max_length > c.max_length {
            return Err(FunctionError::limit(format!(
                "options.max_length: {} is over this function's MAX_LENGTH {}",
                opts.max_length, c.max_length
            )));
        }
        Ok(opts)
    }

    /// The request's inputs through the core's one request path (tokenization rule, unknown
    /// tokens, prefixes), after this function's own caps.
    fn token_inputs(
        &self,
        req: &mut TranslateRequest,
        opts: &TranslateOptions,
    ) -> Result<Vec<TokenInput>, FunctionError> {
        let c = &self.config;
        if req.inputs.is_empty() {
            return Err(FunctionError::request("inputs: the list is empty"));
        }
        if req.inputs.len() > c.max_inputs {
            return Err(FunctionError::limit(format!(
                "inputs: {} inputs are over this function's MAX_INPUTS {} (split the request)",
                req.inputs.len(),
                c.max_inputs
            )));
        }
        if let Some(p) = &req.target_prefixes {
            if p.len() != req.inputs.len() {
                return Err(FunctionError::request(format!(
                    "target_prefixes: {} entries for {} inputs (one per input, \"\" for none)",
                    p.len(),
                    req.inputs.len()
                )));
            }
        }
        // The texts are moved, not copied: a request may be megabytes.
        let request = CoreRequest {
            sources: std::mem::take(&mut req.inputs),
            target_prefixes: req.target_prefixes.take(),
            options: opts.clone(),
        };
        Ok(self.engine.prepare(&request)?)
    }

    async fn translate(
        &self,
        mut req: TranslateRequest,
        transport: Transport,
        gz: bool,
        request_id: &str,
    ) -> Result<Reply, FunctionError> {
        let start = Instant::now();
        let opts = self.options(&req)?;
        let inputs = self.token_inputs(&mut req, &opts)?;
        let bound = answer_bytes_bound(&inputs, &opts);
        if bound > self.config.max_answer_bytes {
            return Err(FunctionError::limit(format!(
                "the answer could need {} MB ({} inputs, n_best {}, max_length {}{}), over this function's \
                 MAX_ANSWER_MB {}: send fewer inputs, or lower n_best or max_length{}",
                bound >> 20,
                inputs.len(),
                if opts.sampling { opts.n_best } else { opts.n_best.min(opts.beam_size) },
                opts.max_length,
                if opts.return_attention { ", with attention" } else { "" },
                self.config.max_answer_bytes >> 20,
                if opts.return_attention { ", or ask without attention" } else { "" },
            )));
        }
        if req.output == WantOutput::Store && self.store.is_none() {
            return Err(FunctionError::request("output: \"store\" asked for, but this function has no OUTPUT_BUCKET"));
        }
        let mut results = self.engine.translate_tokens(&inputs, &opts, &mut |_, _| {})?;
        let decode_ms = start.elapsed().as_secs_f64() * 1e3;
        if let Some(d) = req.attention_decimals {
            round_attention(&mut results, d);
        }
        let init_ms = self.cold.swap(false, Ordering::Relaxed).then_some(self.init_ms);
        let timing = Timing { init_ms, decode_ms, total_ms: start.elapsed().as_secs_f64() * 1e3 };
        let answer = Answer { results, model: self.model.clone(), timing };
        let json = serde_json::to_string(&answer).expect("answers serialize");

        // gzip'd once, whether it goes back inline or to the store.
        let gz = gz.then(|| gzip(json.as_bytes()));
        let encoding = if gz.is_some() { Encoding::GzipBase64 } else { Encoding::Json };
        // The inline payload; a direct JSON answer is the answer itself, so it is only
        // materialised (without copying) once it is known to stay inline.
        let wrapped = match (&gz, transport) {
            (None, Transport::Direct) => None,
            (None, _) => Some(self.proxy(200, &json, false)),
            (Some(gz), Transport::Direct) => Some(raw(&PackedAnswer {
                is_base64_encoded: true,
                content_encoding: "gzip".into(),
                body: base64_encode(gz),
            })),
            (Some(gz), _) => Some(self.proxy(200, &base64_encode(gz), true)),
        };
        let policy = SinkPolicy {
            inline_limit: self.config.inline_limit,
            threshold: self.config.output_threshold,
            store: self.store.is_some(),
        };
        let sink = if req.output == WantOutput::Store {
            Sink::External
        } else {
            policy
                .choose(encoding, wrapped.as_ref().map_or(json.len(), |p| p.get().len()))
                .map_err(|e| FunctionError::new(ErrorKind::ResponseTooLarge, e.to_string()))?
        };
        match sink {
            Sink::Inline(_) => Ok(Reply::Ready(match wrapped {
                Some(payload) => payload,
                None => RawValue::from_string(json).expect("serde_json produced valid JSON"),
            })),
            Sink::External => {
                drop(wrapped);
                let store = self.store.as_ref().expect("the policy picks the store only when there is one");
                let gz = gz.unwrap_or_else(|| gzip(json.as_bytes()));
                let object = store
                    .put_gzip_json(&format!("{request_id}.json.gz"), gz)
                    .await
                    .map_err(|e| FunctionError::new(ErrorKind::OutputStoreError, e.to_string()))?;
                let Answer { results, model, mut timing } = answer;
                let summary = results
                    .iter()
                    .map(|t| {
                        let best = t.predictions.first();
                        Top1 { text: best.map(|p| p.text.clone()), score: best.map(|p| p.score) }
                    })
                    .collect();
                timing.total_ms = start.elapsed().as_secs_f64() * 1e3;
                let stored = StoredAnswer { stored: object, summary, model, timing };
                Ok(Reply::Small(raw(&stored)))
            }
        }
    }
}

enum Reply {
    /// A small JSON document, still to be wrapped for proxy callers.
    Small(Payload),
    /// The final payload, already wrapped for its transport.
    Ready(Payload),
    Preflight,
}

/// Bytes one answer may take at most, counted before decoding: every prediction of every input
/// at `max_length` tokens, each token as a string and as JSON text, each attention row (one
/// f32 per source token) in memory and as JSON text at full precision. Generous on purpose:
/// the answer exists in memory, as JSON, and gzip'd or base64'd at once.
pub fn answer_bytes_bound(inputs: &[TokenInput], opts: &TranslateOptions) -> usize {
    const TOKEN_BYTES: usize = 64;
    const ATTENTION_CELL_BYTES: usize = 4 + 12;
    let predictions = if opts.sampling { opts.n_best } else { opts.n_best.min(opts.beam_size) };
    inputs
        .iter()
        .map(|input| {
            let per_step =
                TOKEN_BYTES + if opts.return_attention { input.source.len() * ATTENTION_CELL_BYTES } else { 0 };
            predictions.saturating_mul(opts.max_length).saturating_mul(per_step)
        })
        .fold(0usize, usize::saturating_add)
}
