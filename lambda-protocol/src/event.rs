//! Incoming events: how they arrive (direct invoke, API Gateway REST proxy, HTTP API / function
//! URL proxy) and what they ask (the seed's `data` request, the native `inputs` request, a warmup
//! ping). Every field is checked; errors name it (`options.n_best`, `inputs[3]`, `beam`).
//!
//! It lives with the protocol, not in the function, so that what parses a hostile event has no
//! AWS SDK or async runtime around it: the fuzz target links this crate alone.

use retort_core::Source;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::error::{ErrorDelivery, FunctionError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `aws lambda invoke`, the SDKs, the CLI's fan-out.
    Direct,
    /// API Gateway REST API proxy integration (payload format 1.0).
    ProxyV1,
    /// HTTP API or function URL (payload format 2.0).
    ProxyV2,
}

impl Transport {
    pub fn is_proxy(self) -> bool {
        self != Transport::Direct
    }
}

/// How the answer should be encoded inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WantEncoding {
    #[default]
    Json,
    Gzip,
}

/// Where the client wants the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WantOutput {
    /// Inline when it fits, else the output bucket.
    #[default]
    Auto,
    /// Always the output bucket (for clients that post-process from S3).
    Store,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TranslateRequest {
    /// Raw text (split by the bundle's tokenizer) or token lists.
    pub inputs: Vec<Source>,
    /// Per input, a space-tokenized target prefix or a token list ("" or [] = none).
    pub target_prefixes: Option<Vec<Source>>,
    /// Overrides of the bundle's decoding defaults, field by field.
    pub options: Value,
    /// Attention values rounded to this many decimals (`None`: full precision).
    pub attention_decimals: Option<u32>,
    pub encoding: WantEncoding,
    pub output: WantOutput,
    /// Legacy switch for `options.unknown_tokens` (true: "map", false: "refuse").
    pub allow_unknown_tokens: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Keeps a container warm; answered without touching the model.
    Warmup,
    /// `GET` through a proxy: model information.
    Info,
    /// CORS preflight (`OPTIONS`).
    Preflight,
    Translate(TranslateRequest),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    pub transport: Transport,
    /// The client sent `Accept-Encoding: gzip`.
    pub accepts_gzip: bool,
    /// How a direct caller wants refusals (`errors`); read leniently before the request is
    /// checked, so that a refusal of the request itself is delivered as asked.
    pub errors: ErrorDelivery,
    pub request: Result<Request, FunctionError>,
}

pub const DEFAULT_ATTENTION_DECIMALS: u32 = 4;

/// Reads an event as the runtime delivers it.
pub fn parse_event(event: Value) -> Invocation {
    let transport = transport_of(&event);
    if !transport.is_proxy() {
        let errors = event.get("errors").and_then(|v| ErrorDelivery::deserialize(v).ok()).unwrap_or_default();
        return Invocation { transport, accepts_gzip: false, errors, request: parse_request(event) };
    }
    let accepts_gzip = header(&event, "accept-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
    let method = match transport {
        Transport::ProxyV1 => event.get("httpMethod").and_then(Value::as_str),
        _ => event.pointer("/requestContext/http/method").and_then(Value::as_str),
    }
    .unwrap_or("POST")
    .to_ascii_uppercase();
    let request = match method.as_str() {
        "OPTIONS" => Ok(Request::Preflight),
        "GET" => Ok(Request::Info),
        "POST" => proxy_body(&event).and_then(|body| {
            let value: Value =
                serde_json::from_str(&body).map_err(|e| FunctionError::request(format!("body: not JSON ({e})")))?;
            parse_request(value)
        }),
        other => {
            Err(FunctionError::request(format!("method {other} is not supported: POST a request, GET model info")))
        }
    };
    // Proxy callers always get an HTTP response with the whole error body.
    Invocation { transport, accepts_gzip, errors: ErrorDelivery::FunctionError, request }
}

fn transport_of(event: &Value) -> Transport {
    let has_context = event.get("requestContext").is_some_and(Value::is_object);
    if has_context && event.get("version").and_then(Value::as_str) == Some("2.0") {
        Transport::ProxyV2
    } else if has_context && event.get("httpMethod").is_some() {
        Transport::ProxyV1
    } else {
        Transport::Direct
    }
}

/// A header's value, case-insensitively (REST APIs keep the client's case, HTTP APIs lower it).
fn header<'a>(event: &'a Value, name: &str) -> Option<&'a str> {
    event
        .get("headers")
        .and_then(Value::as_object)?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

fn proxy_body(event: &Value) -> Result<String, FunctionError> {
    let body = match event.get("body") {
        None | Some(Value::Null) => return Err(FunctionError::request("body: missing (POST a JSON request)")),
        Some(Value::String(s)) => s,
        Some(_) => return Err(FunctionError::request("body: expected a string")),
    };
    if event.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false) {
        let bytes = retort_core::sink::base64_decode(body)
            .map_err(|e| FunctionError::request(format!("body: isBase64Encoded is true but it is not base64 ({e})")))?;
        String::from_utf8(bytes).map_err(|_| FunctionError::request("body: not UTF-8 text"))
    } else {
        Ok(body.clone())
    }
}

/// The seed's request: `data` is a JSON *string* holding the list of space-tokenized inputs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRequest {
    data: SeedData,
    beam: Option<usize>,
    n_best: Option<usize>,
    return_attention: Option<bool>,
    #[serde(default)]
    warmup: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SeedData {
    Encoded(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeRequest {
    inputs: Vec<Source>,
    target_prefixes: Option<Vec<Source>>,
    options: Option<Map<String, Value>>,
    #[serde(default = "default_decimals")]
    attention_decimals: Option<u32>,
    #[serde(default)]
    encoding: WantEncoding,
    #[serde(default)]
    output: WantOutput,
    allow_unknown_tokens: Option<bool>,
    #[serde(default)]
    warmup: bool,
    /// Checked here; [`Invocation::errors`] carries it.
    #[serde(default, rename = "errors")]
    _errors: ErrorDelivery,
}

fn default_decimals() -> Option<u32> {
    Some(DEFAULT_ATTENTION_DECIMALS)
}

/// Deserializes with the failing field's path in the message (`options: ...`, `inputs[2]: ...`).
fn typed<T: DeserializeOwned>(value: Value) -> Result<T, FunctionError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            FunctionError::request(inner.to_string())
        } else {
            FunctionError::request(format!("{path}: {inner}"))
        }
    })
}

pub fn parse_request(value: Value) -> Result<Request, FunctionError> {
    let Value::Object(fields) = &value else {
        return Err(FunctionError::request(format!("expected a JSON object, got {}", kind_of(&value))));
    };
    let is_warmup = match fields.get("warmup") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(FunctionError::request(format!("warmup: expected true or false, got {}", kind_of(other))))
        }
    };
    match (fields.contains_key("inputs"), fields.contains_key("data")) {
        (true, true) => {
            Err(FunctionError::request("both `inputs` (native request) and `data` (seed request) are set; send one"))
        }
        (false, false) if is_warmup => Ok(Request::Warmup),
        (false, false) => Err(FunctionError::request(
            "missing field `inputs` (native request: {\"inputs\": [...], \"options\": {...}}) or `data` (seed request)",
        )),
        (true, false) => {
            let r: NativeRequest = typed(value)?;
            if r.warmup {
                return Ok(Request::Warmup);
            }
            if let Some(d) = r.attention_decimals.filter(|&d| d > 9) {
                return Err(FunctionError::request(format!("attention_decimals: {d} is above 9 (f32 precision)")));
            }
            Ok(Request::Translate(TranslateRequest {
                inputs: r.inputs,
                target_prefixes: r.target_prefixes,
                options: r.options.map(Value::Object).unwrap_or(Value::Null),
                attention_decimals: r.attention_decimals,
                encoding: r.encoding,
                output: r.output,
                allow_unknown_tokens: r.allow_unknown_tokens,
            }))
        }
        (false, true) => {
            let r: SeedRequest = typed(value)?;
            if r.warmup {
                return Ok(Request::Warmup);
            }
            let inputs = match r.data {
                SeedData::List(list) => list,
                SeedData::Encoded(text) => serde_json::from_str::<Vec<String>>(&text).map_err(|e| {
                    FunctionError::request(format!("data: expected a JSON string holding a list of strings ({e})"))
                })?,
            };
            let mut options = Map::new();
            if let Some(beam) = r.beam {
                options.insert("beam_size".into(), json!(beam));
            }
            if let Some(n) = r.n_best {
                options.insert("n_best".into(), json!(n));
            }
            if let Some(a) = r.return_attention {
                options.insert("return_attention".into(), json!(a));
            }
            Ok(Request::Translate(TranslateRequest {
                inputs: inputs.into_iter().map(Source::Text).collect(),
                target_prefixes: None,
                options: Value::Object(options),
                attention_decimals: Some(DEFAULT_ATTENTION_DECIMALS),
                encoding: WantEncoding::Json,
                output: WantOutput::Auto,
                allow_unknown_tokens: None,
            }))
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_event() -> Value {
        json!({"data": "[\"C C O\", \"c 1 c c c c c 1\"]", "beam": 5, "n_best": 5, "return_attention": true, "warmup": false})
    }

    fn translate(inv: Invocation) -> TranslateRequest {
        match inv.request {
            Ok(Request::Translate(t)) => t,
            other => panic!("expected a translate request, got {other:?}"),
        }
    }

    #[test]
    fn seed_event_maps_to_options() {
        let t = translate(parse_event(seed_event()));
        assert_eq!(t.inputs, vec![Source::from("C C O"), Source::from("c 1 c c c c c 1")]);
        assert_eq!(t.options, json!({"beam_size": 5, "n_best": 5, "return_attention": true}));
        assert_eq!(t.attention_decimals, Some(4));
    }

    #[test]
    fn warmup_pings() {
        assert_eq!(parse_event(json!({"warmup": true})).request, Ok(Request::Warmup));
        let mut e = seed_event();
        e["warmup"] = json!(true);
        assert_eq!(parse_event(e).request, Ok(Request::Warmup));
    }

    #[test]
    fn proxy_events_carry_the_request_in_the_body() {
        let body = serde_json::to_string(&json!({"inputs": ["CCO"], "options": {"beam_size": 2}})).unwrap();
        let v1 = json!({"httpMethod": "POST", "requestContext": {}, "headers": {"Accept-Encoding": "gzip, br"},
                        "body": body, "isBase64Encoded": false});
        let inv = parse_event(v1);
        assert_eq!((inv.transport, inv.accepts_gzip), (Transport::ProxyV1, true));
        assert_eq!(translate(inv).inputs, vec![Source::from("CCO")]);
        let b64 = retort_core::sink::base64_encode(body.as_bytes());
        let v2 = json!({"version": "2.0", "requestContext": {"http": {"method": "POST"}}, "headers": {},
                        "body": b64, "isBase64Encoded": true});
        let inv = parse_event(v2);
        assert_eq!((inv.transport, inv.accepts_gzip), (Transport::ProxyV2, false));
        assert_eq!(translate(inv).options, json!({"beam_size": 2}));
    }

    #[test]
    fn error_delivery_is_read_even_from_a_bad_request() {
        let inv = parse_event(json!({"inputs": 3, "errors": "reply"}));
        assert_eq!(inv.errors, ErrorDelivery::Reply);
        assert!(inv.request.is_err());
        assert_eq!(parse_event(json!({"inputs": ["C"]})).errors, ErrorDelivery::FunctionError);
        let e = parse_event(json!({"inputs": ["C"], "errors": "loud"})).request.unwrap_err().message;
        assert!(e.starts_with("errors:"), "{e}");
    }

    #[test]
    fn errors_name_the_field() {
        let err = |v: Value| parse_event(v).request.unwrap_err().message;
        assert!(err(json!({"data": "[1, 2]"})).starts_with("data:"), "{}", err(json!({"data": "[1, 2]"})));
        let e = err(json!({"data": "[\"C\"]", "beam": "five"}));
        assert!(e.starts_with("beam:"), "{e}");
        let e = err(json!({"inputs": ["C", 3]}));
        assert!(e.starts_with("inputs[1]:"), "{e}");
        // a token list is an input too
        let t = translate(parse_event(json!({"inputs": [["C", "l"], "CCO"]})));
        assert_eq!(t.inputs[0], Source::Tokens(vec!["C".into(), "l".into()]));
        let e = err(json!({"inputs": ["C"], "beam": 3}));
        assert!(e.contains("unknown field `beam`"), "{e}");
        let e = err(json!({"inputs": ["C"], "options": [1]}));
        assert!(e.starts_with("options:"), "{e}");
        assert!(err(json!({})).contains("missing field `inputs`"));
        assert_eq!(err(json!({"warmup": "yes"})), "warmup: expected true or false, got a string");
        assert!(err(json!([1])).contains("expected a JSON object"));
        let e = err(json!({"httpMethod": "POST", "requestContext": {}, "body": "{not json"}));
        assert!(e.starts_with("body: not JSON"), "{e}");
    }
}
