//! `bootstrap`: the function's runtime (`provided.al2023`). Loads the model in the init phase,
//! then serves invocations from the Lambda Runtime API until the container is frozen for good.

use std::sync::Arc;

use lambda_runtime::{service_fn, LambdaEvent};
use retort_lambda::error::diagnostic;
use retort_lambda::init::{init, report_init_error};
use serde_json::Value;

fn main() {
    // One thread drives the Runtime API; the decoder's own pool (rayon) uses every vCPU.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("retort: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async {
        let app = match init().await {
            Ok(app) => Arc::new(app),
            Err(e) => {
                eprintln!("retort: init failed: {e}");
                report_init_error(&e);
                return 1;
            }
        };
        eprintln!("retort: model '{}' ready in {:.0} ms", app.model.name, app.init_ms);
        let handler = service_fn(move |event: LambdaEvent<Value>| {
            let app = Arc::clone(&app);
            async move { app.handle(event.payload, &event.context.request_id).await.map_err(diagnostic) }
        });
        match lambda_runtime::run(handler).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("retort: runtime loop ended: {e}");
                1
            }
        }
    });
    std::process::exit(code);
}
