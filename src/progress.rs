//! Progress of an apply or destroy, from the executor's [`Event`]s.
//!
//! On a terminal: the lines of finished resources scroll up, and below them a live region is
//! redrawn in place (ANSI cursor movement) ten times a second: one line per resource in flight
//! with its action, elapsed time and whether it is backing off after a retryable failure or
//! waiting for something it needs to become visible, then a summary bar (done / in flight /
//! waiting / failed / skipped). Without a terminal (CI, pipes): one plain line per state change,
//! prefixed with the UTC time of day, e.g. `[12:00:01.234] + kms_key.pii: created in 0.4s`; after
//! the timestamp the lines keep the shapes scripts parse (`<address>: created in X.Ys`).
//!
//! `--quiet` leaves only failures (and the caller's final summary); `-v` adds each retry's and
//! readiness wait's error; `-vv` also keeps a permanent line for every state change on a
//! terminal. Per-call debug output is not progress: it is the AWS SDK's `tracing` log on stderr,
//! which `-v`/`-vv` or `RUST_LOG` turn on (`init_logging` in `main.rs`).

use std::fmt::Write as _;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bankinfra_engine::{Action, Event, Outcome};
use bankinfra_model::{Address, ErrorClass};

use crate::plan_diff::action_colour;

/// How much a run reports (`--quiet`, default, `-v`, `-vv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only failures and the final summary.
    Quiet,
    Normal,
    /// Also each retry's and readiness wait's error.
    Verbose,
    /// Also, on a terminal, a permanent line for every state change (starts included).
    Debug,
}

impl Verbosity {
    pub fn from_flags(quiet: bool, verbose: u8) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        }
    }

    pub fn quiet(self) -> bool {
        self == Verbosity::Quiet
    }
}

/// Time as progress sees it: the wall clock for timestamps, a monotonic one for durations.
/// Injected so that tests get stable output.
pub trait Clock: Send + Sync {
    fn wall(&self) -> SystemTime;
    /// Time since the run began.
    fn elapsed(&self) -> Duration;
}

struct SystemClock(Instant);

impl Clock for SystemClock {
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

/// Where progress goes and how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Redrawn in place; lines are cut to `width` columns so the redraw stays aligned.
    Terminal { width: usize },
    /// One timestamped line per state change.
    Lines,
}

/// At most this many resources in flight get a line of their own on a terminal.
const MAX_LIVE_LINES: usize = 16;
/// How often the live region is redrawn when nothing happens (elapsed times move on).
const REDRAW_EVERY: Duration = Duration::from_millis(100);

pub struct Progress {
    mode: Mode,
    verbosity: Verbosity,
    colour: bool,
    clock: Box<dyn Clock>,
    state: Mutex<State>,
}

struct State {
    out: Box<dyn Write + Send>,
    /// The resources this run changes.
    total: usize,
    /// In flight, in the order they started.
    running: Vec<Running>,
    done: usize,
    failed: usize,
    skipped: usize,
    /// Lines of the live region currently on screen.
    drawn: usize,
    /// The widest address in flight so far: the column only grows, so lines do not jitter.
    name_width: usize,
}

struct Running {
    address: Address,
    action: Action,
    since: Duration,
    status: Status,
}

#[derive(Clone, Copy)]
enum Status {
    Working,
    /// Backing off after a retryable failure until `until`, then attempt `attempt`.
    Retrying {
        attempt: u32,
        attempts: u32,
        class: ErrorClass,
        until: Duration,
    },
    /// Waiting for what the call needs to become visible, calling again at `until`.
    AwaitingReadiness {
        until: Duration,
    },
}

impl Progress {
    /// Progress on stdout: live on a terminal, lines otherwise.
    pub fn stdout(total: usize, verbosity: Verbosity, colour: bool) -> Progress {
        let mode =
            if std::io::stdout().is_terminal() { Mode::Terminal { width: terminal_width() } } else { Mode::Lines };
        Progress::new(total, mode, verbosity, colour, Box::new(SystemClock(Instant::now())), Box::new(Stdout))
    }

    pub fn new(
        total: usize,
        mode: Mode,
        verbosity: Verbosity,
        colour: bool,
        clock: Box<dyn Clock>,
        out: Box<dyn Write + Send>,
    ) -> Progress {
        let state = State { out, total, running: Vec::new(), done: 0, failed: 0, skipped: 0, drawn: 0, name_width: 0 };
        Progress { mode, verbosity, colour, clock, state: Mutex::new(state) }
    }

    fn live(&self) -> bool {
        matches!(self.mode, Mode::Terminal { .. }) && !self.verbosity.quiet()
    }

    /// Runs `work` (the executor), redrawing the live region while it runs; clears the region
    /// when it ends, leaving only the permanent lines for the summary that follows.
    pub async fn drive<T>(&self, work: impl Future<Output = T>) -> T {
        if !self.live() {
            return work.await;
        }
        let mut work = std::pin::pin!(work);
        let mut ticks = tokio::time::interval(REDRAW_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let result = loop {
            tokio::select! {
                result = &mut work => break result,
                _ = ticks.tick() => self.redraw(&[]),
            }
        };
        self.finish();
        result
    }

    /// Clears the live region (terminal), leaving the permanent lines.
    pub fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.drawn > 0 {
            let clear = format!("\x1b[{}A\r\x1b[J", state.drawn);
            state.drawn = 0;
            let _ = state.out.write_all(clear.as_bytes());
            let _ = state.out.flush();
        }
    }

    /// Takes one event: updates the counts, prints what this mode and verbosity show of it.
    pub fn event(&self, event: &Event) {
        let now = self.clock.elapsed();
        let line = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.apply(event, now);
            self.line(event)
        };
        match self.mode {
            Mode::Lines => {
                if let Some(line) = line {
                    let stamp = timestamp(self.clock.wall());
                    let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = writeln!(state.out, "[{stamp}] {line}");
                    let _ = state.out.flush();
                }
            }
            Mode::Terminal { .. } if self.live() => self.redraw(line.as_slice()),
            Mode::Terminal { .. } => {
                if let Some(line) = line {
                    let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = writeln!(state.out, "{line}");
                    let _ = state.out.flush();
                }
            }
        }
    }

    /// The permanent line `event` gets, if any, in this mode at this verbosity.
    fn line(&self, event: &Event) -> Option<String> {
        let verbose = self.verbosity >= Verbosity::Verbose;
        let show = match event {
            Event::Finished { outcome: Outcome::Failed { .. }, .. } => true,
            _ if self.verbosity.quiet() => false,
            Event::Finished { .. } => true,
            Event::Started { .. } => self.mode == Mode::Lines || self.verbosity >= Verbosity::Debug,
            Event::Retrying { .. } | Event::AwaitingReadiness { .. } => self.mode == Mode::Lines || verbose,
        };
        show.then(|| event_line(event, verbose, self.colour))
    }

    /// Redraws the live region, printing `permanent` above it.
    fn redraw(&self, permanent: &[String]) {
        let Mode::Terminal { width } = self.mode else { return };
        let now = self.clock.elapsed();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut frame = String::new();
        if state.drawn > 0 {
            let _ = write!(frame, "\x1b[{}A", state.drawn);
        }
        frame.push_str("\r\x1b[J");
        for line in permanent {
            frame.push_str(line);
            frame.push('\n');
        }
        let live = state.live_lines(now, width, self.colour);
        for line in &live {
            frame.push_str(line);
            frame.push('\n');
        }
        state.drawn = live.len();
        let _ = state.out.write_all(frame.as_bytes());
        let _ = state.out.flush();
    }
}

impl State {
    fn apply(&mut self, event: &Event, now: Duration) {
        match event {
            Event::Started { address, action } => self.running.push(Running {
                address: address.clone(),
                action: *action,
                since: now,
                status: Status::Working,
            }),
            Event::Retrying { address, attempt, attempts, class, pause, .. } => {
                if let Some(r) = self.running.iter_mut().find(|r| &r.address == address) {
                    r.status =
                        Status::Retrying { attempt: *attempt, attempts: *attempts, class: *class, until: now + *pause };
                }
            }
            Event::AwaitingReadiness { address, pause, .. } => {
                if let Some(r) = self.running.iter_mut().find(|r| &r.address == address) {
                    r.status = Status::AwaitingReadiness { until: now + *pause };
                }
            }
            Event::Finished { address, outcome } => {
                self.running.retain(|r| &r.address != address);
                match outcome {
                    Outcome::Done { .. } => self.done += 1,
                    Outcome::Failed { .. } => self.failed += 1,
                    Outcome::Skipped { .. } => self.skipped += 1,
                }
            }
        }
    }

    fn waiting(&self) -> usize {
        self.total.saturating_sub(self.running.len() + self.done + self.failed + self.skipped)
    }

    /// The live region: a line per resource in flight (the first [`MAX_LIVE_LINES`]), then the
    /// summary bar. Every line fits in `width` columns.
    fn live_lines(&mut self, now: Duration, width: usize, colour: bool) -> Vec<String> {
        let mut lines = Vec::new();
        let widest = self.running.iter().take(MAX_LIVE_LINES).map(|r| r.address.to_string().chars().count()).max();
        self.name_width = self.name_width.max(widest.unwrap_or(0));
        for r in self.running.iter().take(MAX_LIVE_LINES) {
            let elapsed = now.saturating_sub(r.since);
            let status = match r.status {
                Status::Working => String::new(),
                Status::Retrying { attempt, attempts, class, until } => format!(
                    "  {} (attempt {attempt} of {attempts}{})",
                    retry_reason(class),
                    remaining(until, now).map(|d| format!(", next in {:.1}s", d.as_secs_f64())).unwrap_or_default()
                ),
                Status::AwaitingReadiness { until } => format!(
                    "  waiting until ready{}",
                    remaining(until, now)
                        .map(|d| format!(" (calling again in {:.1}s)", d.as_secs_f64()))
                        .unwrap_or_default()
                ),
            };
            let text = format!(
                " {:<w$}  {:<10} {:>6.1}s{status}",
                r.address.to_string(),
                gerund(r.action),
                elapsed.as_secs_f64(),
                w = self.name_width
            );
            lines.push(symbol_line(r.action, &text, width, colour));
        }
        if self.running.len() > MAX_LIVE_LINES {
            lines.push(fit(&format!("    … and {} more in flight", self.running.len() - MAX_LIVE_LINES), width));
        }
        lines.push(self.bar(now, width, colour));
        lines
    }

    /// `[████░░░░] 54/141  done 50 · in flight 4 · waiting 87 · failed 0 · skipped 0  12.3s`: the
    /// counts always; the bar in what room is left, up to 20 cells.
    fn bar(&self, now: Duration, width: usize, colour: bool) -> String {
        const CELLS: usize = 20;
        let finished = self.done + self.failed + self.skipped;
        let counts = format!(
            "{finished}/{}  done {} · in flight {} · waiting {} · failed {} · skipped {}  {:.1}s",
            self.total,
            self.done,
            self.running.len(),
            self.waiting(),
            self.failed,
            self.skipped,
            now.as_secs_f64()
        );
        let room = width.saturating_sub(counts.chars().count() + 3).min(CELLS);
        if room < 5 {
            return fit(&counts, width);
        }
        let filled = (finished * room).checked_div(self.total).unwrap_or(room).min(room);
        let cells = format!("{}{}", "█".repeat(filled), "░".repeat(room - filled));
        let cells = if !colour {
            cells
        } else if self.failed > 0 {
            format!("\x1b[31m{cells}\x1b[0m")
        } else {
            format!("\x1b[32m{cells}\x1b[0m")
        };
        format!("[{cells}] {counts}")
    }
}

/// `symbol` (coloured) then `text`, cut to `width` columns.
fn symbol_line(action: Action, text: &str, width: usize, colour: bool) -> String {
    let symbol = format!("{:>3}", action.symbol());
    let text = fit(text, width.saturating_sub(3));
    if colour { format!("\x1b[{}m{symbol}\x1b[0m{text}", action_colour(action)) } else { format!("{symbol}{text}") }
}

/// `text` cut to at most `width` characters (`…` marks the cut).
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn remaining(until: Duration, now: Duration) -> Option<Duration> {
    until.checked_sub(now).filter(|d| !d.is_zero())
}

/// What a retry is recovering from, in a few words.
fn retry_reason(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::Throttled => "throttled, retrying",
        ErrorClass::Unreachable => "connection failed, retrying",
        ErrorClass::Transient => "service error, retrying",
        _ => "retrying",
    }
}

/// The plain line for `event` (without timestamp). `verbose` adds retries' errors.
pub fn event_line(event: &Event, verbose: bool, colour: bool) -> String {
    let symbol = |action: Action| paint(action.symbol(), action_colour(action), colour);
    let detail = |reason: &str| if verbose { format!(": {reason}") } else { String::new() };
    match event {
        Event::Started { address, action } => format!("{} {address}: {}…", symbol(*action), gerund(*action)),
        Event::Retrying { address, attempt, attempts, class, reason, pause } => format!(
            "{} {address}: {} in {:.1}s (attempt {attempt} of {attempts}){}",
            paint("↻", "33", colour),
            retry_reason(*class),
            pause.as_secs_f64(),
            detail(reason)
        ),
        Event::AwaitingReadiness { address, reason, pause, waited } => format!(
            "{} {address}: waiting until ready, calling again in {:.1}s (waited {:.1}s){}",
            paint("⧖", "33", colour),
            pause.as_secs_f64(),
            waited.as_secs_f64(),
            detail(reason)
        ),
        Event::Finished { address, outcome } => match outcome {
            Outcome::Done { action, elapsed } => {
                format!("{} {address}: {} in {:.1}s", symbol(*action), done(*action), elapsed.as_secs_f64())
            }
            Outcome::Failed { action, error } => {
                format!("{} {address}: {} failed: {error}", paint("!", "31", colour), gerund(*action))
            }
            Outcome::Skipped { because, .. } => format!("· {address}: skipped, because {because} failed"),
        },
    }
}

fn paint(text: &str, code: &str, colour: bool) -> String {
    if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

fn gerund(action: Action) -> &'static str {
    match action {
        Action::Create => "creating",
        Action::Update => "updating",
        Action::Replace => "replacing",
        Action::Delete => "destroying",
        Action::Adopt => "adopting",
        Action::NoOp => "checking",
    }
}

fn done(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Replace => "replaced",
        Action::Delete => "destroyed",
        Action::Adopt => "adopted",
        Action::NoOp => "unchanged",
    }
}

/// `HH:MM:SS.mmm`, UTC.
fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs() % 86_400;
    format!("{:02}:{:02}:{:02}.{:03}", seconds / 3600, seconds / 60 % 60, seconds % 60, since.subsec_millis())
}

/// The terminal's width: `COLUMNS`, else `stty size` on the controlling terminal, else 80.
fn terminal_width() -> usize {
    let from_env = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok());
    let from_stty = || {
        let tty = std::fs::File::open("/dev/tty").ok()?;
        let out =
            std::process::Command::new("stty").arg("size").stdin(tty).stderr(std::process::Stdio::null()).output();
        let out = out.ok().filter(|o| o.status.success())?;
        String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1)?.parse::<usize>().ok()
    };
    from_env.filter(|w| *w > 0).or_else(|| from_stty().filter(|w| *w > 0)).unwrap_or(80).max(20)
}

/// Stdout that ignores write errors: a closed stdout must not stop an apply half-way.
struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stdout().lock().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stdout().lock().flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::snapshots::assert_snapshot;

    /// Starts at 12:00:00.000 UTC and moves on 137 ms each time it is asked.
    struct SteppingClock(AtomicU64);

    impl Clock for SteppingClock {
        fn wall(&self) -> SystemTime {
            UNIX_EPOCH + Duration::from_secs(1_750_000_000 - 1_750_000_000 % 86_400 + 12 * 3600) + self.elapsed()
        }

        fn elapsed(&self) -> Duration {
            Duration::from_millis(self.0.fetch_add(137, Ordering::SeqCst))
        }
    }

    /// A `Write` the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn a(s: &str) -> Address {
        s.parse().unwrap()
    }

    /// A small apply: a key and a VPC created (the VPC after one throttled attempt), a role
    /// waiting for readiness, a parameter failing and the one after it skipped, a queue deleted.
    fn events() -> Vec<Event> {
        let ms = Duration::from_millis;
        let throttled = "ec2:CreateVpc failed: ThrottlingException: Rate exceeded".to_string();
        let not_ready = "firehose:CreateDeliveryStream failed: InvalidArgumentException: Firehose is unable to assume role arn:aws:iam::123456789012:role/bank-firehose".to_string();
        vec![
            Event::Started { address: a("kms_key.pii"), action: Action::Create },
            Event::Started { address: a("vpc.main"), action: Action::Create },
            Event::Retrying {
                address: a("vpc.main"),
                attempt: 2,
                attempts: 6,
                class: ErrorClass::Throttled,
                reason: throttled,
                pause: ms(312),
            },
            Event::Finished {
                address: a("kms_key.pii"),
                outcome: Outcome::Done { action: Action::Create, elapsed: ms(412) },
            },
            Event::Finished {
                address: a("vpc.main"),
                outcome: Outcome::Done { action: Action::Create, elapsed: ms(1_250) },
            },
            Event::Started { address: a("firehose_stream.events"), action: Action::Update },
            Event::AwaitingReadiness {
                address: a("firehose_stream.events"),
                reason: not_ready,
                pause: ms(250),
                waited: ms(40),
            },
            Event::Started { address: a("ssm_parameter.network/vpc-id"), action: Action::Create },
            Event::Finished {
                address: a("firehose_stream.events"),
                outcome: Outcome::Done { action: Action::Update, elapsed: ms(2_030) },
            },
            Event::Finished {
                address: a("ssm_parameter.network/vpc-id"),
                outcome: Outcome::Failed {
                    action: Action::Create,
                    error: "ssm:PutParameter failed: AccessDeniedException: not allowed".into(),
                },
            },
            Event::Finished {
                address: a("ssm_parameter.network/subnet-ids"),
                outcome: Outcome::Skipped { action: Action::Create, because: a("ssm_parameter.network/vpc-id") },
            },
            Event::Started { address: a("sqs_queue.old-dlq"), action: Action::Delete },
            Event::Finished {
                address: a("sqs_queue.old-dlq"),
                outcome: Outcome::Done { action: Action::Delete, elapsed: ms(96) },
            },
        ]
    }

    fn run(mode: Mode, verbosity: Verbosity) -> String {
        let out = Captured::default();
        let progress =
            Progress::new(7, mode, verbosity, false, Box::new(SteppingClock(AtomicU64::new(0))), Box::new(out.clone()));
        for event in events() {
            progress.event(&event);
        }
        progress.finish();
        out.text()
    }

    #[test]
    fn without_a_terminal_each_state_change_is_one_timestamped_line() {
        assert_snapshot("progress_lines.txt", &run(Mode::Lines, Verbosity::Normal));
    }

    #[test]
    fn verbose_lines_add_each_retrys_error() {
        assert_snapshot("progress_lines_verbose.txt", &run(Mode::Lines, Verbosity::Verbose));
    }

    #[test]
    fn quiet_lines_are_only_the_failures() {
        let text = run(Mode::Lines, Verbosity::Quiet);
        assert_eq!(
            text,
            "[12:00:01.370] ! ssm_parameter.network/vpc-id: creating failed: ssm:PutParameter failed: AccessDeniedException: not allowed\n"
        );
    }

    #[test]
    fn lines_keep_the_shapes_scripts_parse_after_the_timestamp() {
        let text = run(Mode::Lines, Verbosity::Normal);
        for line in text.lines() {
            let (stamp, rest) = line.split_once("] ").expect("a timestamp");
            assert!(stamp.starts_with('[') && stamp.len() == 13, "{line}");
            let (_, what) = rest.split_once(": ").expect("symbol address: what");
            assert!(!what.is_empty(), "{line}");
        }
        assert!(text.contains("] + kms_key.pii: created in 0.4s\n"), "{text}");
        assert!(text.contains("] - sqs_queue.old-dlq: destroyed in 0.1s\n"), "{text}");
        assert!(
            text.contains(
                "] · ssm_parameter.network/subnet-ids: skipped, because ssm_parameter.network/vpc-id failed\n"
            )
        );
    }

    #[test]
    fn on_a_terminal_the_live_region_is_redrawn_in_place_with_the_summary_bar() {
        let text = run(Mode::Terminal { width: 100 }, Verbosity::Normal);
        assert_snapshot("progress_terminal.txt", &text.replace('\x1b', "␛"));
        assert!(text.contains("\x1b[2A\r\x1b[J"), "moves up over the region it drew and clears it");
        assert!(text.contains("done 2 · in flight 1 · waiting 4 · failed 0 · skipped 0"), "{text}");
        assert!(text.contains("throttled, retrying (attempt 2 of 6"), "{text}");
        assert!(text.contains("waiting until ready"), "{text}");
        assert!(!text.contains("creating…"), "starts are shown live, not as lines");
        assert!(text.ends_with("\x1b[J"), "the region is cleared at the end: {text:?}");
    }

    #[test]
    fn live_lines_fit_the_terminal() {
        for width in [20, 40, 80] {
            let progress = Progress::new(
                7,
                Mode::Terminal { width },
                Verbosity::Normal,
                true,
                Box::new(SteppingClock(AtomicU64::new(0))),
                Box::new(Captured::default()),
            );
            for event in events().iter().take(7) {
                progress.event(event);
                let mut state = progress.state.lock().unwrap();
                let lines = state.live_lines(Duration::from_secs(3), width, false);
                assert!(lines.last().unwrap().contains("done "), "the bar comes last: {lines:?}");
                for line in lines {
                    assert!(line.chars().count() <= width, "{line:?} is wider than {width} columns");
                }
            }
        }
    }

    #[test]
    fn flags_make_a_verbosity() {
        assert_eq!(Verbosity::from_flags(true, 0), Verbosity::Quiet);
        assert_eq!(Verbosity::from_flags(false, 0), Verbosity::Normal);
        assert_eq!(Verbosity::from_flags(false, 1), Verbosity::Verbose);
        assert_eq!(Verbosity::from_flags(false, 3), Verbosity::Debug);
    }

    #[test]
    fn timestamps_are_utc_times_of_day_to_the_millisecond() {
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_millis(86_400_000 * 3 + 45_296_789)), "12:34:56.789");
    }
}
