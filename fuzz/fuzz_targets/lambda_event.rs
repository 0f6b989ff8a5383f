//! The Lambda function's event parser: direct invocations, API Gateway REST (payload 1.0) and
//! HTTP API / function URL (2.0) proxy events with plain or base64 bodies, the seed's and the
//! native request, then the request's options over the decoding defaults, as the handler
//! applies them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retort_core::TranslateOptions;
use retort_lambda_protocol::event::{parse_event, Request};

fuzz_target!(|data: &[u8]| {
    // The runtime hands the function parsed JSON; anything else never reaches it.
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(Request::Translate(request)) = parse_event(event).request {
        let _ = TranslateOptions::default().with_overrides(Some(&request.options));
    }
});
