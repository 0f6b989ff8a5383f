//! A one-line progress bar on stderr: `[####......] 123/1000 inputs 4.2 inputs/s`.
//! Drawn only when stderr is a terminal or `--progress` is given.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const WIDTH: usize = 30;
const REDRAW_EVERY: Duration = Duration::from_millis(100);

pub struct Progress {
    enabled: bool,
    total: Option<usize>,
    start: Instant,
    last_draw: Option<Instant>,
    done: usize,
}

impl Progress {
    pub fn new(forced: bool, total: Option<usize>) -> Self {
        Progress {
            enabled: forced || std::io::stderr().is_terminal(),
            total,
            start: Instant::now(),
            last_draw: None,
            done: 0,
        }
    }

    pub fn update(&mut self, done: usize) {
        self.done = done;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self.last_draw.is_some_and(|t| now.duration_since(t) < REDRAW_EVERY) {
            return;
        }
        self.last_draw = Some(now);
        self.draw();
    }

    fn draw(&self) {
        let secs = self.start.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { self.done as f64 / secs } else { 0.0 };
        let line = match self.total {
            Some(total) if total > 0 => {
                let filled = (self.done.min(total) * WIDTH) / total;
                format!(
                    "[{}{}] {}/{} inputs {:.1} inputs/s",
                    "#".repeat(filled),
                    ".".repeat(WIDTH - filled),
                    self.done,
                    total,
                    rate
                )
            }
            _ => format!("{} inputs {:.1} inputs/s", self.done, rate),
        };
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a failed write to stderr must not stop the work.
        let _ = write!(err, "\r{line}   ");
        let _ = err.flush();
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self) {
        if !self.enabled || self.last_draw.is_none() && self.done == 0 {
            return;
        }
        self.draw();
        let _ = writeln!(std::io::stderr());
    }
}
