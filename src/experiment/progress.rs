//! Progress of a sweep on stderr: a bar with runs done, events/s and time
//! left on a terminal; otherwise a plain line at most every
//! [`LOG_INTERVAL`], so logs of batch jobs stay short. Never on stdout and
//! never in the output files.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The least time between two plain progress lines.
pub const LOG_INTERVAL: Duration = Duration::from_secs(15);

/// Where progress goes.
enum Sink {
    Bar(ProgressBar),
    Lines { last: Mutex<Instant> },
    Nowhere,
}

/// Progress of one sweep (or the part of it this command runs).
pub struct Progress {
    sink: Sink,
    name: String,
    total: u64,
    done: AtomicU64,
    events: AtomicU64,
    started: Instant,
}

impl Progress {
    /// Progress of `total` runs of experiment `name`; `wanted` false shows
    /// nothing. A bar when stderr is a terminal, plain lines otherwise.
    pub fn new(name: &str, total: u64, wanted: bool) -> Progress {
        let started = Instant::now();
        let sink = if !wanted || total == 0 {
            Sink::Nowhere
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} runs  {msg}  {elapsed_precise} elapsed, ~{eta} left",
            ) {
                bar.set_style(style);
            }
            Sink::Bar(bar)
        } else {
            Sink::Lines {
                last: Mutex::new(started),
            }
        };
        Progress {
            sink,
            name: name.to_string(),
            total,
            done: AtomicU64::new(0),
            events: AtomicU64::new(0),
            started,
        }
    }

    /// Notes a finished run that handled `events` events.
    pub fn run_finished(&self, events: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let events = self.events.fetch_add(events, Ordering::Relaxed) + events;
        let elapsed_s = self.started.elapsed().as_secs_f64().max(1e-9);
        let rate = format_rate(events as f64 / elapsed_s);
        match &self.sink {
            Sink::Bar(bar) => {
                bar.set_message(rate);
                bar.inc(1);
            }
            Sink::Lines { last } => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.elapsed() >= LOG_INTERVAL && done < self.total {
                    *last = Instant::now();
                    let left_s = elapsed_s / done as f64 * (self.total - done) as f64;
                    eprintln!(
                        "{}: {done}/{} runs, {rate}, about {} left",
                        self.name,
                        self.total,
                        format_seconds(left_s)
                    );
                }
            }
            Sink::Nowhere => {}
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Sink::Bar(bar) = &self.sink {
            bar.finish_and_clear();
        }
    }
}

/// "3.2 M events/s".
pub fn format_rate(events_per_s: f64) -> String {
    if events_per_s >= 1e6 {
        format!("{:.1} M events/s", events_per_s / 1e6)
    } else if events_per_s >= 1e3 {
        format!("{:.1} k events/s", events_per_s / 1e3)
    } else {
        format!("{events_per_s:.0} events/s")
    }
}

/// "45 s", "12 min", "3.5 h".
pub fn format_seconds(s: f64) -> String {
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_rate(3_210_000.0), "3.2 M events/s");
        assert_eq!(format_rate(950.0), "950 events/s");
        assert_eq!(format_seconds(30.0), "30 s");
        assert_eq!(format_seconds(600.0), "10 min");
        assert_eq!(format_seconds(7200.0), "2.0 h");
    }

    #[test]
    fn hidden_progress_counts_quietly() {
        let p = Progress::new("x", 2, false);
        p.run_finished(10);
        p.run_finished(5);
        p.finish();
        assert_eq!(p.done.load(Ordering::Relaxed), 2);
    }
}
