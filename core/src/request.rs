//! One request for every host. The CLI, the Lambda function, the browser engine and any future
//! host build a [`Request`] and hand it to [`Engine::prepare`] or [`Engine::run`], so an input
//! gives the same tokens, the same checks and the same answer wherever it is sent.
//!
//! The tokenization rule is the bundle's: a SMILES, character or REINVENT bundle drops every
//! whitespace character before splitting (a SMILES never contains one, so the seed's
//! character-split `C l` and `Cl` are the same input), a `space` bundle takes whitespace-separated
//! tokens as given. [`Source::Tokens`] passes tokens through untouched for callers that tokenized
//! themselves.

use serde::{Deserialize, Serialize};

use crate::engine::{Engine, TokenInput, Translation};
use crate::error::{Error, Result};
use crate::options::{TranslateOptions, UnknownTokens};

/// One input: raw text, split by the bundle's tokenizer, or tokens taken as they are.
/// In JSON a string or a list of strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Source {
    Text(String),
    Tokens(Vec<String>),
}

/// By hand rather than `untagged`, whose error for anything else is "data did not match any
/// variant"; this one says what was found and what is expected.
impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> serde::de::Visitor<'de> for SourceVisitor {
            type Value = Source;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of token strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Source, E> {
                Ok(Source::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<Source, E> {
                Ok(Source::Text(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Source, A::Error> {
                let mut tokens = Vec::new();
                while let Some(token) = seq.next_element::<TokenString>()? {
                    tokens.push(token.0);
                }
                Ok(Source::Tokens(tokens))
            }
        }
        d.deserialize_any(SourceVisitor)
    }
}

/// One token of a pre-tokenized source: a string, and the error says so.
struct TokenString(String);

impl<'de> Deserialize<'de> for TokenString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct TokenVisitor;
        impl<'de> serde::de::Visitor<'de> for TokenVisitor {
            type Value = TokenString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a token string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<TokenString, E> {
                Ok(TokenString(v.to_owned()))
            }
        }
        d.deserialize_str(TokenVisitor)
    }
}

impl From<&str> for Source {
    fn from(text: &str) -> Self {
        Source::Text(text.to_string())
    }
}

impl From<String> for Source {
    fn from(text: String) -> Self {
        Source::Text(text)
    }
}

/// What a host asks of the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub sources: Vec<Source>,
    /// Per source, a forced start of the output: space-separated target tokens, or tokens
    /// (empty = none). `None` = no prefixes at all.
    pub target_prefixes: Option<Vec<Source>>,
    /// The bundle's defaults with the caller's overrides applied.
    pub options: TranslateOptions,
}

/// No vocabulary token is this long: text longer than this many bytes per allowed token is
/// refused before the tokenizer runs, so a huge input costs no tokenizer memory.
const MAX_TOKEN_BYTES: usize = 64;

impl Engine {
    /// Tokenizes and checks every input of `req` (before any decoding, so a bad input late in a
    /// request wastes no work). Errors are [`Error::InvalidInput`] with the input's index.
    pub fn prepare(&self, req: &Request) -> Result<Vec<TokenInput>> {
        req.options.validate()?;
        if let Some(p) = &req.target_prefixes {
            if p.len() != req.sources.len() {
                return Err(Error::InvalidInput {
                    index: p.len().min(req.sources.len()),
                    problem: format!("{} target prefixes for {} inputs (one per input)", p.len(), req.sources.len()),
                });
            }
        }
        req.sources
            .iter()
            .enumerate()
            .map(|(index, source)| {
                let bad = |problem: String| Error::InvalidInput { index, problem };
                let source = self.source_tokens(source).map_err(|e| match e {
                    Error::Tokenizer(m) => bad(m),
                    other => other,
                })?;
                if req.options.unknown_tokens == UnknownTokens::Refuse {
                    let unknown = self.unknown_source_tokens(&source);
                    if !unknown.is_empty() {
                        let list: Vec<String> = unknown.iter().take(10).map(|t| format!("'{t}'")).collect();
                        return Err(bad(format!(
                            "not in the model's source vocabulary: {} (unknown_tokens is \"refuse\"; \"map\" decodes \
                             them as the unknown token)",
                            list.join(", ")
                        )));
                    }
                }
                let target_prefix = match req.target_prefixes.as_ref().map(|p| &p[index]) {
                    None => Vec::new(),
                    Some(Source::Text(t)) => t.split_whitespace().map(str::to_string).collect(),
                    Some(Source::Tokens(t)) => t.clone(),
                };
                Ok(TokenInput { source, target_prefix })
            })
            .collect()
    }

    /// [`prepare`](Self::prepare), then decode, calling `progress(done, total)` as inputs finish.
    pub fn run(&self, req: &Request, progress: &mut dyn FnMut(usize, usize)) -> Result<Vec<Translation>> {
        let inputs = self.prepare(req)?;
        self.translate_tokens(&inputs, &req.options, progress)
    }

    /// One source's tokens under the bundle's rule; refuses control characters and inputs too
    /// long for the model before tokenizing them.
    pub fn source_tokens(&self, source: &Source) -> Result<Vec<String>> {
        let max = self.max_source_tokens();
        let tokens = match source {
            Source::Tokens(tokens) => {
                if let Some(t) = tokens.iter().find(|t| t.is_empty() || t.chars().any(char::is_whitespace)) {
                    return Err(Error::Tokenizer(format!("token {t:?} is empty or holds whitespace")));
                }
                tokens.clone()
            }
            Source::Text(text) => {
                if let Some(c) = text.chars().find(|c| c.is_control() && !c.is_whitespace()) {
                    return Err(Error::Tokenizer(format!("contains the control character U+{:04X}", c as u32)));
                }
                if text.len() > max.saturating_mul(MAX_TOKEN_BYTES) {
                    return Err(Error::Tokenizer(format!(
                        "{} bytes is longer than the model's {max} source positions can hold",
                        text.len()
                    )));
                }
                self.tokenize_source(text)?
            }
        };
        if tokens.is_empty() {
            return Err(Error::Tokenizer("empty input".into()));
        }
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{random_bundle, small_spec};

    fn engine() -> Engine {
        Engine::from_bundle(&random_bundle(small_spec(50), 1).expect("bundle")).expect("engine")
    }

    fn request(engine: &Engine, sources: Vec<Source>) -> Request {
        Request { sources, target_prefixes: None, options: engine.default_options() }
    }

    #[test]
    fn spaces_do_not_change_a_smiles_input() {
        let e = engine();
        let joined = e.source_tokens(&"CC(=O)Cl".into()).expect("tokens");
        assert_eq!(joined, ["C", "C", "(", "=", "O", ")", "Cl"]);
        // the seed's character-split form and the regex-split form are the same input
        assert_eq!(e.source_tokens(&"C C ( = O ) C l".into()).expect("tokens"), joined);
        assert_eq!(e.source_tokens(&"C C ( = O ) Cl".into()).expect("tokens"), joined);
        // tokens given as tokens stay as they are
        let raw = Source::Tokens(vec!["C".into(), "l".into()]);
        assert_eq!(e.source_tokens(&raw).expect("tokens"), ["C", "l"]);
    }

    #[test]
    fn bad_sources_are_refused_with_their_index() {
        let e = engine();
        for (source, want) in [
            (Source::Text("CC\u{0}O".into()), "control character U+0000"),
            (Source::Text("   ".into()), "empty input"),
            (Source::Tokens(vec![]), "empty input"),
            (Source::Tokens(vec!["C C".into()]), "holds whitespace"),
            (Source::Text("C".repeat(e.max_source_tokens() * MAX_TOKEN_BYTES + 1)), "source positions"),
        ] {
            let req = request(&e, vec!["CCO".into(), source]);
            match e.prepare(&req) {
                Err(Error::InvalidInput { index: 1, problem }) => {
                    assert!(problem.contains(want), "{problem}")
                }
                other => panic!("expected input 1 refused ({want}), got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_tokens_are_mapped_or_refused_by_policy() {
        let e = engine();
        let mut req = request(&e, vec!["CC[Te]O".into()]);
        let out = e.run(&req, &mut |_, _| {}).expect("mapped by default");
        assert_eq!(out[0].unknown_source_tokens, ["[Te]"]);
        req.options.unknown_tokens = UnknownTokens::Refuse;
        match e.prepare(&req) {
            Err(Error::InvalidInput { index: 0, problem }) => {
                assert!(problem.contains("'[Te]'"), "{problem}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn prefixes_must_match_the_inputs() {
        let e = engine();
        let mut req = request(&e, vec!["CCO".into(), "CC".into()]);
        req.target_prefixes = Some(vec!["C".into()]);
        assert!(matches!(e.prepare(&req), Err(Error::InvalidInput { .. })));
        req.target_prefixes = Some(vec!["C C".into(), Source::Tokens(vec!["C".into()])]);
        let prepared = e.prepare(&req).expect("prefixes");
        assert_eq!(prepared[0].target_prefix, ["C", "C"]);
        assert_eq!(prepared[1].target_prefix, ["C"]);
    }
}
