//! The e-mail worker: one thread per handler that composes and sends, so that the
//! logging call never waits for a mail server.
//!
//! The handler's `emit` puts a [`Work`] into a bounded channel with `try_send` and
//! returns; a full channel drops the record and counts it. The worker takes one
//! item at a time, composes it (report, HTML) and gives it to the backend.
//!
//! Failures: a message the server refuses for good is dropped. Any other failure
//! starts an *outage*: it is reported once, and the worker retries the same
//! message with exponential backoff (1 s, 2 s, 4 s, ... up to 60 s), each message at
//! most `max_attempts` times, while new records wait in the channel (or are dropped
//! when it is full). The first success ends the outage and says how much was lost.
//!
//! Shutdown ([`Worker::close`]): everything still queued, plus the flood-control
//! summaries still owed, is tried once each until a time limit; once one attempt
//! fails the server is taken to be down and the rest is abandoned at once, so a
//! program with its mail server down still exits promptly. What was not sent is
//! reported in one line.
//!
//! Records logged *on* the worker thread (a backend that logs) are dropped by the
//! handler: mailing them would feed the worker its own failures.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, never, select, Receiver, Sender, TrySendError};
use logtree_core::report::report;
use parking_lot::{Condvar, Mutex};

use crate::backend::{MailBackend, MailError};
use crate::compose::{Composer, Job, Note, Work};
use crate::flood::FloodGate;
use crate::message::EmailMessage;

thread_local! {
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is an e-mail worker.
pub(crate) fn on_worker_thread() -> bool {
    IN_WORKER.try_with(Cell::get).unwrap_or(false)
}

/// The longest pause between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Counters shared by the handler and its worker.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pending: AtomicUsize,
    outage: AtomicBool,
    pub(crate) sent: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) suppressed: AtomicU64,
    pub(crate) abandoned: AtomicU64,
    overflowing: AtomicBool,
    close_reported: AtomicBool,
    idle: Mutex<()>,
    idle_cv: Condvar,
}

impl Shared {
    fn finish(&self, n: usize) {
        if n == 0 {
            return;
        }
        self.pending.fetch_sub(n, Ordering::AcqRel);
        let _g = self.idle.lock();
        self.idle_cv.notify_all();
    }

    fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::Release);
        let _g = self.idle.lock();
        self.idle_cv.notify_all();
    }

    /// Messages queued or being sent.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Whether sending is failing right now.
    pub(crate) fn in_outage(&self) -> bool {
        self.outage.load(Ordering::Acquire)
    }

    /// Waits until nothing is pending, or sending is failing, or `timeout` passes.
    /// Returns whether nothing is pending.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut g = self.idle.lock();
        loop {
            if self.pending() == 0 {
                return true;
            }
            if self.in_outage() || self.idle_cv.wait_until(&mut g, deadline).timed_out() {
                return self.pending() == 0;
            }
        }
    }
}

/// What the worker needs besides its channels.
pub(crate) struct WorkerConfig {
    pub(crate) composer: Composer,
    pub(crate) backend: Arc<dyn MailBackend>,
    pub(crate) flood: Arc<FloodGate<Job>>,
    pub(crate) max_attempts: u32,
    pub(crate) retry_base: Duration,
    pub(crate) label: String,
}

enum Control {
    Close { deadline: Instant, done: Sender<()> },
}

/// The handler's side of a running worker.
#[derive(Debug)]
pub(crate) struct Worker {
    jobs: Sender<Work>,
    control: Sender<Control>,
    thread: Mutex<Option<JoinHandle<()>>>,
    shared: Arc<Shared>,
    label: String,
}

impl Worker {
    /// Starts a worker thread.
    pub(crate) fn start(
        cfg: WorkerConfig,
        capacity: usize,
        shared: Arc<Shared>,
    ) -> std::io::Result<Worker> {
        let (jobs, jobs_rx) = bounded(capacity.max(1));
        let (control, control_rx) = bounded(1);
        let label = cfg.label.clone();
        let sh = shared.clone();
        let thread = std::thread::Builder::new()
            .name("logtree-admin-email".into())
            .spawn(move || {
                IN_WORKER.with(|w| w.set(true));
                Run::new(cfg, sh).run(&jobs_rx, &control_rx);
            })?;
        Ok(Worker {
            jobs,
            control,
            thread: Mutex::new(Some(thread)),
            shared,
            label,
        })
    }

    /// Queues `work` without waiting; a full queue drops it (counted, reported once
    /// per overflow) and returns `false`.
    pub(crate) fn submit(&self, work: Work) -> bool {
        self.shared.pending.fetch_add(1, Ordering::AcqRel);
        match self.jobs.try_send(work) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.shared.finish(1);
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                if !self.shared.overflowing.swap(true, Ordering::AcqRel) {
                    report(&format!(
                        "{}: the e-mail queue is full; records are dropped (and counted) until it drains",
                        self.label
                    ));
                }
                false
            }
        }
    }

    /// Sends what is pending, within `limit`, and stops the worker. Returns
    /// whether the worker finished in time.
    pub(crate) fn close(&self, limit: Duration) -> bool {
        let Some(thread) = self.thread.lock().take() else {
            return true;
        };
        let (done, done_rx) = bounded(1);
        let deadline = Instant::now() + limit;
        if self
            .control
            .send(Control::Close { deadline, done })
            .is_err()
        {
            let _ = thread.join();
            return true;
        }
        // The worker keeps the deadline itself; the margin covers one last report.
        match done_rx.recv_timeout(limit + Duration::from_millis(200)) {
            Ok(()) => {
                let _ = thread.join();
                true
            }
            Err(_) => {
                // Still blocked in a send: leave it (the process is usually ending).
                // Whoever reports first also counts what was abandoned.
                let left = self.shared.pending();
                if !self.shared.close_reported.swap(true, Ordering::AcqRel) {
                    self.shared
                        .abandoned
                        .fetch_add(left as u64, Ordering::Relaxed);
                    report(&format!(
                        "{}: gave up after {:.1} s at shutdown; {left} e-mail{} not sent",
                        self.label,
                        limit.as_secs_f64(),
                        if left == 1 { " was" } else { "s were" }
                    ));
                }
                false
            }
        }
    }
}

struct Pending {
    email: EmailMessage,
    attempts: u32,
}

struct Run {
    cfg: WorkerConfig,
    shared: Arc<Shared>,
    local: VecDeque<Work>,
    head: Option<Pending>,
    retry_at: Option<Instant>,
    failures_in_row: u32,
    outage_lost: u64,
    outage_dropped_at_start: u64,
    permanent_seen: Vec<String>,
}

impl Run {
    fn new(cfg: WorkerConfig, shared: Arc<Shared>) -> Run {
        Run {
            cfg,
            shared,
            local: VecDeque::new(),
            head: None,
            retry_at: None,
            failures_in_row: 0,
            outage_lost: 0,
            outage_dropped_at_start: 0,
            permanent_seen: Vec::new(),
        }
    }

    fn run(mut self, jobs: &Receiver<Work>, control: &Receiver<Control>) {
        let none: Receiver<Work> = never();
        loop {
            let now = Instant::now();
            for (sample, s) in self.cfg.flood.sweep(now) {
                self.shared.pending.fetch_add(1, Ordering::AcqRel);
                self.local.push_back(Work {
                    job: sample,
                    note: Note::Summary(s),
                });
            }
            if self.head.is_none() {
                if let Some(w) = self.local.pop_front() {
                    self.head = Some(self.pending(&w));
                }
            }
            if self.head.is_some() && self.retry_at.map_or(true, |t| now >= t) {
                self.attempt();
                if let Ok(Control::Close { deadline, done }) = control.try_recv() {
                    self.close(deadline, jobs);
                    let _ = done.send(());
                    return;
                }
                continue;
            }
            let wake = [
                self.head.as_ref().and(self.retry_at),
                self.cfg.flood.next_deadline(),
            ]
            .into_iter()
            .flatten()
            .min();
            let timeout = wake.map_or(Duration::from_secs(3600), |w| {
                w.saturating_duration_since(now)
            });
            let source = if self.head.is_none() { jobs } else { &none };
            select! {
                recv(control) -> c => {
                    let (deadline, done) = match c {
                        Ok(Control::Close { deadline, done }) => (deadline, Some(done)),
                        Err(_) => (Instant::now() + Duration::from_secs(5), None),
                    };
                    self.close(deadline, jobs);
                    if let Some(d) = done {
                        let _ = d.send(());
                    }
                    return;
                }
                recv(source) -> w => match w {
                    Ok(w) => self.head = Some(self.pending(&w)),
                    // The handler is gone without closing: send what is left.
                    Err(_) => {
                        self.close(Instant::now() + Duration::from_secs(5), jobs);
                        return;
                    }
                },
                default(timeout) => {}
            }
        }
    }

    fn pending(&self, w: &Work) -> Pending {
        Pending {
            email: self.cfg.composer.compose(w),
            attempts: 0,
        }
    }

    /// One try of the head message.
    fn attempt(&mut self) {
        let Some(p) = self.head.as_mut() else { return };
        match self.cfg.backend.send(&p.email) {
            Ok(()) => {
                self.head = None;
                self.shared.sent.fetch_add(1, Ordering::Relaxed);
                self.shared.finish(1);
                self.sent_ok();
            }
            Err(e) if e.is_permanent() => {
                self.head = None;
                self.shared.failed.fetch_add(1, Ordering::Relaxed);
                self.shared.finish(1);
                let text = e.full_text();
                if !self.permanent_seen.contains(&text) && self.permanent_seen.len() < 8 {
                    report(&format!(
                        "{}: an e-mail was refused and dropped: {text}",
                        self.cfg.label
                    ));
                    self.permanent_seen.push(text);
                }
            }
            Err(e) => {
                p.attempts += 1;
                let gave_up = p.attempts >= self.cfg.max_attempts;
                self.failures_in_row += 1;
                if !self.shared.in_outage() {
                    self.outage_lost = 0;
                    self.outage_dropped_at_start = self.shared.dropped.load(Ordering::Relaxed);
                    self.shared.set_outage(true);
                    report(&format!(
                        "{}: sending failed: {}; each e-mail is tried at most {} time{}, and failures are counted until sending works again",
                        self.cfg.label,
                        e.full_text(),
                        self.cfg.max_attempts,
                        if self.cfg.max_attempts == 1 { "" } else { "s" },
                    ));
                }
                if gave_up {
                    self.head = None;
                    self.outage_lost += 1;
                    self.shared.failed.fetch_add(1, Ordering::Relaxed);
                    self.shared.finish(1);
                }
                let exp = self.failures_in_row.saturating_sub(1).min(16);
                let backoff = self
                    .cfg
                    .retry_base
                    .saturating_mul(1 << exp)
                    .min(MAX_BACKOFF);
                self.retry_at = Some(Instant::now() + backoff);
            }
        }
    }

    fn sent_ok(&mut self) {
        self.failures_in_row = 0;
        self.retry_at = None;
        if self.shared.in_outage() {
            self.shared.set_outage(false);
            let dropped =
                self.shared.dropped.load(Ordering::Relaxed) - self.outage_dropped_at_start;
            report(&format!(
                "{}: sending works again; {} e-mail{} given up and {} record{} dropped from the full queue meanwhile",
                self.cfg.label,
                self.outage_lost,
                if self.outage_lost == 1 { " was" } else { "s were" },
                dropped,
                if dropped == 1 { " was" } else { "s were" },
            ));
        }
        self.shared.overflowing.store(false, Ordering::Release);
    }

    /// Shutdown: everything left, once each, until the deadline or the first failure.
    fn close(&mut self, deadline: Instant, jobs: &Receiver<Work>) {
        let mut todo: VecDeque<Result<Pending, Work>> = VecDeque::new();
        if let Some(p) = self.head.take() {
            todo.push_back(Ok(p));
        }
        todo.extend(self.local.drain(..).map(Err));
        todo.extend(jobs.try_iter().map(Err));
        for (sample, s) in self.cfg.flood.drain() {
            self.shared.pending.fetch_add(1, Ordering::AcqRel);
            todo.push_back(Err(Work {
                job: sample,
                note: Note::Summary(s),
            }));
        }
        let mut abandoned = 0u64;
        let mut error: Option<MailError> = None;
        let mut timed_out = false;
        for item in todo {
            if error.is_some() || Instant::now() >= deadline {
                timed_out |= error.is_none();
                abandoned += 1;
                self.shared.finish(1);
                continue;
            }
            let email = match item {
                Ok(p) => p.email,
                Err(w) => self.cfg.composer.compose(&w),
            };
            match self.cfg.backend.send(&email) {
                Ok(()) => {
                    self.shared.sent.fetch_add(1, Ordering::Relaxed);
                    self.sent_ok();
                }
                Err(e) if e.is_permanent() => {
                    self.shared.failed.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    abandoned += 1;
                    error = Some(e);
                }
            }
            self.shared.finish(1);
        }
        // The handler may have stopped waiting, and counted, already.
        if abandoned > 0 && !self.shared.close_reported.swap(true, Ordering::AcqRel) {
            self.shared
                .abandoned
                .fetch_add(abandoned, Ordering::Relaxed);
            let mut line = format!(
                "{}: {abandoned} e-mail{} not sent at shutdown",
                self.cfg.label,
                if abandoned == 1 { " was" } else { "s were" }
            );
            match (&error, self.shared.in_outage()) {
                // The outage was reported when it began: do not repeat its error.
                (Some(_), true) => line.push_str(" (sending was still failing)"),
                (Some(e), false) => {
                    line.push_str(": ");
                    line.push_str(&e.full_text());
                }
                (None, _) if timed_out => line.push_str(" (out of time)"),
                (None, _) => {}
            }
            report(&line);
        }
    }
}
