//! The tokenizer path every host shares (`Engine::prepare`): raw text or token lists, with or
//! without target prefixes, under each tokenizer kind, with the default model's vocabulary.
//! Input layout: byte 0 picks the tokenizer kind, byte 1 holds flags, the rest is the text
//! (lossily UTF-8), one input per line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retort_core::{Engine, Request, Source, UnknownTokens};

thread_local! {
    // Built once: libFuzzer calls the target on one thread.
    static ENGINES: Vec<Engine> = retort_fuzz::engines();
}

/// Flag bits of byte 1.
const REFUSE_UNKNOWN: u8 = 1;
const AS_TOKEN_LISTS: u8 = 2;
const WITH_TARGET_PREFIXES: u8 = 4;

fuzz_target!(|data: &[u8]| {
    let [kind, flags, text @ ..] = data else { return };
    ENGINES.with(|engines| prepare(&engines[*kind as usize % engines.len()], *flags, text));
});

fn prepare(engine: &Engine, flags: u8, text: &[u8]) {
    let text = String::from_utf8_lossy(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let source = |line: &str| {
        if flags & AS_TOKEN_LISTS != 0 {
            Source::Tokens(line.split('\t').map(str::to_string).collect())
        } else {
            Source::Text(line.to_string())
        }
    };
    let mut options = engine.default_options();
    if flags & REFUSE_UNKNOWN != 0 {
        options.unknown_tokens = UnknownTokens::Refuse;
    }
    let request = Request {
        sources: lines.iter().map(|l| source(l)).collect(),
        // The same lines as prefixes: a prefix is tokenized by the same rules.
        target_prefixes: (flags & WITH_TARGET_PREFIXES != 0).then(|| lines.iter().map(|l| source(l)).collect()),
        options,
    };
    let _ = engine.prepare(&request);
    let _ = engine.tokenize_source(&text);
}
