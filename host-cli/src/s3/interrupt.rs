//! Ctrl-C during an S3 upload: the multipart uploads still open are aborted before the process
//! exits (130, as the shell reports SIGINT), so that their parts are not left behind. Without
//! this, SIGINT would end the process at once; S3 would show no object either way, but the
//! parts would stay (and be billed) until a lifecycle rule cleared them.

use std::sync::{Mutex, MutexGuard, Once};

use retort_s3_io::{abort_multipart, aws_config, s3_client, S3Url};

/// The exit code of a process ended by SIGINT.
const EXIT_INTERRUPTED: i32 = 130;

/// Multipart uploads open in this process: (where, upload id).
static OPEN: Mutex<Vec<(S3Url, String)>> = Mutex::new(Vec::new());

/// Held while the main thread sends parts or completes an upload, and by the handler from the
/// moment it runs: it waits for a part in flight to land, then aborts, and no new part starts
/// (a part landing after the abort would be left behind).
static SENDING: Mutex<()> = Mutex::new(());

/// Holds off the handler while parts are sent (see [`SENDING`]).
pub fn sending() -> MutexGuard<'static, ()> {
    SENDING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An open multipart upload, listed for the handler while this lives (dropped when the upload
/// is completed or aborted by its writer).
pub struct Tracked {
    url: S3Url,
    id: String,
}

impl Tracked {
    pub fn new(url: &S3Url, id: &str) -> Tracked {
        let tracked = Tracked { url: url.clone(), id: id.to_string() };
        if let Ok(mut open) = OPEN.lock() {
            open.push((tracked.url.clone(), tracked.id.clone()));
        }
        tracked
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Ok(mut open) = OPEN.lock() {
            open.retain(|(url, id)| !(url == &self.url && id == &self.id));
        }
    }
}

/// Installs the handler once, on its own thread and runtime, so that it runs whatever the main
/// thread is doing (decoding, or blocked on an upload). It makes its own client: the main one's
/// pooled connections belong to the main runtime, which is not running while the main thread
/// decodes.
pub fn abort_uploads_on_ctrl_c() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            // Without a handler Ctrl-C still stops the run; only the cleanup is lost.
            return;
        };
        std::thread::spawn(move || {
            if runtime.block_on(tokio::signal::ctrl_c()).is_err() {
                return;
            }
            // Held to the exit: the main thread starts no part after the abort.
            let _no_more_parts = sending();
            let open = OPEN.lock().map(|mut open| std::mem::take(&mut *open)).unwrap_or_default();
            runtime.block_on(async {
                let client = s3_client(&aws_config().await);
                for (url, id) in &open {
                    match abort_multipart(&client, url, id).await {
                        Ok(()) => eprintln!("interrupted: aborted the unfinished upload to {url}"),
                        Err(err) => eprintln!("interrupted: {err} (upload id {id}: its parts stay until aborted)"),
                    }
                }
            });
            std::process::exit(EXIT_INTERRUPTED);
        });
    });
}
