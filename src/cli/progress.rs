//! The progress bar `main` draws on standard error while a run lasts: one line, redrawn in
//! place, shown only once the run has lasted [`DELAY`] (a quick run never flickers) and only
//! when standard error is a terminal (`main` decides; CI logs and captured output never get
//! it). This module computes the text, keeps time and runs the ticker thread; `main` says how
//! to write a line.
//!
//! The bar is redrawn on every step the library reports and, between steps, by a ticker, so the
//! elapsed time keeps moving while one long stage (a model, a dataset) runs.

use crate::run::options::Step;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a run lasts before the bar appears.
pub const DELAY: Duration = Duration::from_millis(300);

/// Least time between two redraws: a terminal need not be told more often.
const REDRAW: Duration = Duration::from_millis(50);

/// Width of the bar itself, in characters.
const WIDTH: usize = 24;

/// The bar's state; shared by the worker threads that report steps.
#[derive(Debug)]
pub struct ProgressBar {
    started: Instant,
    /// When it was last drawn; `None` before it first is.
    drawn: Mutex<Option<Instant>>,
    /// The last step reported, redrawn by the ticker.
    last: Mutex<Step>,
}

impl ProgressBar {
    /// A bar for a run starting now.
    pub fn start() -> ProgressBar {
        let first = Step { stage: "starting".into(), done: 0, total: 0 };
        ProgressBar { started: Instant::now(), drawn: Mutex::new(None), last: Mutex::new(first) }
    }

    /// The text to write for `step` at `now`, if the bar should be (re)drawn.
    pub fn line_at(&self, step: &Step, now: Instant) -> Option<String> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = step.clone();
        if now.duration_since(self.started) < DELAY {
            return None;
        }
        // A poisoned lock only means another thread panicked while drawing; drawing on is safe.
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        if drawn.is_some_and(|last| now.duration_since(last) < REDRAW) && step.done < step.total {
            return None;
        }
        *drawn = Some(now);
        Some(render(step, now.duration_since(self.started)))
    }

    /// [`ProgressBar::line_at`] now.
    pub fn line(&self, step: &Step) -> Option<String> {
        self.line_at(step, Instant::now())
    }

    /// The last step redrawn at `now`, if it is time to.
    pub fn tick_at(&self, now: Instant) -> Option<String> {
        let step = self.last.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.line_at(&step, now)
    }

    /// The text that erases the bar, if it was ever drawn.
    pub fn finish(&self) -> Option<String> {
        let drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        drawn.map(|_| "\r\x1b[K".to_string())
    }
}

/// A thread redrawing a bar every `period` until stopped.
#[derive(Debug)]
pub struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Redraws `bar` every `period` through `write`.
    pub fn start(bar: Arc<ProgressBar>, period: Duration, write: impl Fn(&str) + Send + 'static) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(period);
                if let Some(line) = bar.tick_at(Instant::now()) {
                    write(&line);
                }
            }
        });
        Ticker { stop, thread: Some(thread) }
    }

    /// Stops the thread and waits for it, so nothing is drawn after the bar is erased.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `\r[#########               ] 3/8 running models 0.4s`, erasing the rest of the line.
fn render(step: &Step, elapsed: Duration) -> String {
    let filled = (step.done.min(step.total) * WIDTH).checked_div(step.total).unwrap_or(0);
    format!(
        "\r\x1b[K[{}{}] {}/{} {} {:.1}s",
        "#".repeat(filled),
        " ".repeat(WIDTH - filled),
        step.done,
        step.total,
        step.stage,
        elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_before_the_delay_then_a_bar() {
        let bar = ProgressBar::start();
        let step = Step { stage: "running models".into(), done: 2, total: 4 };
        assert_eq!(bar.line_at(&step, bar.started + Duration::from_millis(100)), None);
        assert_eq!(bar.finish(), None, "never drawn, nothing to erase");
        let line = bar.line_at(&step, bar.started + Duration::from_millis(400)).unwrap();
        assert_eq!(line, format!("\r\x1b[K[{}{}] 2/4 running models 0.4s", "#".repeat(12), " ".repeat(12)));
        assert_eq!(bar.line_at(&step, bar.started + Duration::from_millis(410)), None, "not redrawn at once");
        assert!(bar.finish().is_some());
        let later = bar.tick_at(bar.started + Duration::from_millis(900)).unwrap();
        assert!(later.ends_with("2/4 running models 0.9s"), "the ticker redraws the last step: {later}");
    }
}
