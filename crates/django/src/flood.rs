//! Flood control: at most one e-mail per distinct error per interval.
//!
//! An error in a hot loop, or every request failing because the database is down,
//! makes Django send one e-mail per record: thousands a minute, and then the mail
//! provider blocks the sender. Here a record's *incident key* is (logger, level,
//! `file:line`, message); the first record of a key is mailed and opens a window of
//! `interval`; further records of that key inside the window are only counted. When
//! the window ends with records counted, the worker sends one summary e-mail saying
//! how many were suppressed ([`FloodGate::sweep`]), and at shutdown it sends the
//! summaries of windows still open ([`FloodGate::drain`]), so a count is never lost.
//!
//! The check runs on the logging thread, before anything is copied: one hash of
//! the key and one short critical section on an uncontended lock. The table is
//! bounded ([`MAX_KEYS`]); past it, new keys are mailed without a window (the
//! bounded queue still limits them).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use logtree_core::LogRecord;
use parking_lot::Mutex;

/// Distinct incident keys tracked at once.
pub const MAX_KEYS: usize = 10_000;

/// Records that were counted instead of mailed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Suppressed {
    /// How many.
    pub(crate) count: u64,
    /// `created` of the first and of the last of them.
    pub(crate) first: f64,
    pub(crate) last: f64,
}

struct Window<S> {
    until: Instant,
    suppressed: Option<Suppressed>,
    sample: Option<Arc<S>>,
}

/// What to do with a record.
#[derive(Debug, PartialEq)]
pub(crate) enum Admission {
    /// Mail it; `Some` carries the count of an earlier window no summary reported.
    Send(Option<Suppressed>),
    /// Count it only.
    Suppress,
}

/// The windows, keyed by incident; `S` is what a summary is built from.
pub(crate) struct FloodGate<S> {
    interval: Duration,
    state: Mutex<State<S>>,
}

struct State<S> {
    windows: HashMap<u64, Window<S>>,
    /// When the first window holding a count ends: the next summary is due then.
    /// Kept so that neither the worker's check nor its wake-up walks the table.
    owed_at: Option<Instant>,
    /// When the table was last cleared of ended windows because it was full.
    purged_at: Option<Instant>,
}

/// The incident key of a record.
pub(crate) fn incident_key(r: &LogRecord<'_>) -> u64 {
    let mut h = DefaultHasher::new();
    r.name.hash(&mut h);
    r.level.value().hash(&mut h);
    r.pathname.hash(&mut h);
    r.lineno.hash(&mut h);
    r.message.hash(&mut h);
    h.finish()
}

impl<S> FloodGate<S> {
    /// A gate with this interval; zero lets everything through.
    pub(crate) fn new(interval: Duration) -> FloodGate<S> {
        FloodGate {
            interval,
            state: Mutex::new(State {
                windows: HashMap::new(),
                owed_at: None,
                purged_at: None,
            }),
        }
    }

    /// Decides about a record of incident `key` made at `created`.
    pub(crate) fn admit(&self, key: u64, created: f64, now: Instant) -> Admission {
        if self.interval.is_zero() {
            return Admission::Send(None);
        }
        let mut st = self.state.lock();
        let st = &mut *st;
        match st.windows.get_mut(&key) {
            Some(w) if now < w.until => {
                let s = w.suppressed.get_or_insert_with(|| {
                    st.owed_at = Some(st.owed_at.map_or(w.until, |t| t.min(w.until)));
                    Suppressed {
                        count: 0,
                        first: created,
                        last: created,
                    }
                });
                s.count += 1;
                s.last = created;
                Admission::Suppress
            }
            Some(w) => {
                let earlier = w.suppressed.take();
                w.until = now + self.interval;
                w.sample = None;
                Admission::Send(earlier)
            }
            None => {
                if st.windows.len() >= MAX_KEYS && st.purged_at.map_or(true, |t| now >= t) {
                    // Full: forget ended windows that owe nothing, at most once a second.
                    st.windows
                        .retain(|_, w| now < w.until || w.suppressed.is_some());
                    st.purged_at = Some(now + Duration::from_secs(1));
                }
                if st.windows.len() < MAX_KEYS {
                    st.windows.insert(
                        key,
                        Window {
                            until: now + self.interval,
                            suppressed: None,
                            sample: None,
                        },
                    );
                }
                Admission::Send(None)
            }
        }
    }

    /// Remembers what the e-mail of `key`'s window was about, for its summary.
    pub(crate) fn set_sample(&self, key: u64, sample: Arc<S>) {
        if let Some(w) = self.state.lock().windows.get_mut(&key) {
            w.sample = Some(sample);
        }
    }

    /// Forgets `key`'s window (its e-mail could not be queued).
    pub(crate) fn forget(&self, key: u64) {
        self.state.lock().windows.remove(&key);
    }

    /// Closes the windows that ended by `now` if a summary is due; returns the
    /// summaries owed. Cheap when none is due.
    pub(crate) fn sweep(&self, now: Instant) -> Vec<(Arc<S>, Suppressed)> {
        let mut st = self.state.lock();
        match st.owed_at {
            Some(t) if now >= t => {}
            _ => return Vec::new(),
        }
        let mut out = Vec::new();
        let mut owed_at: Option<Instant> = None;
        st.windows.retain(|_, w| {
            if now < w.until {
                if w.suppressed.is_some() {
                    owed_at = Some(owed_at.map_or(w.until, |t| t.min(w.until)));
                }
                return true;
            }
            if let (Some(s), Some(sample)) = (w.suppressed.take(), w.sample.take()) {
                out.push((sample, s));
            }
            false
        });
        st.owed_at = owed_at;
        out
    }

    /// Closes every window; returns the summaries owed (at shutdown).
    pub(crate) fn drain(&self) -> Vec<(Arc<S>, Suppressed)> {
        let mut st = self.state.lock();
        st.owed_at = None;
        st.windows
            .drain()
            .filter_map(|(_, mut w)| Some((w.sample.take()?, w.suppressed.take()?)))
            .collect()
    }

    /// When the next summary is due (the worker wakes then).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.state.lock().owed_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::Level;

    #[test]
    fn one_per_window_then_a_summary() {
        let gate: FloodGate<&'static str> = FloodGate::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(gate.admit(1, 1.0, t0), Admission::Send(None));
        gate.set_sample(1, Arc::new("first"));
        for i in 0..9_999 {
            assert_eq!(
                gate.admit(1, 2.0 + f64::from(i), t0 + Duration::from_millis(1)),
                Admission::Suppress
            );
        }
        // Another incident is not affected.
        assert_eq!(gate.admit(2, 1.0, t0), Admission::Send(None));
        assert_eq!(gate.next_deadline(), Some(t0 + Duration::from_secs(60)));
        assert!(gate.sweep(t0 + Duration::from_secs(59)).is_empty());
        let owed = gate.sweep(t0 + Duration::from_secs(60));
        assert_eq!(owed.len(), 1);
        assert_eq!(*owed[0].0, "first");
        assert_eq!(
            owed[0].1,
            Suppressed {
                count: 9_999,
                first: 2.0,
                last: 10_000.0
            }
        );
        // The window is gone: the next one is mailed, with nothing owed.
        assert_eq!(
            gate.admit(1, 5.0, t0 + Duration::from_secs(61)),
            Admission::Send(None)
        );
    }

    #[test]
    fn a_record_after_the_window_carries_the_count_if_no_summary_went() {
        let gate: FloodGate<()> = FloodGate::new(Duration::from_secs(1));
        let t0 = Instant::now();
        assert_eq!(gate.admit(7, 0.0, t0), Admission::Send(None));
        assert_eq!(gate.admit(7, 0.5, t0), Admission::Suppress);
        assert_eq!(gate.admit(7, 0.6, t0), Admission::Suppress);
        assert_eq!(
            gate.admit(7, 2.0, t0 + Duration::from_secs(2)),
            Admission::Send(Some(Suppressed {
                count: 2,
                first: 0.5,
                last: 0.6
            }))
        );
        // Taken once: a sweep owes nothing (and there is no sample anyway).
        assert!(gate.sweep(t0 + Duration::from_secs(10)).is_empty());
    }

    #[test]
    fn drain_owes_every_open_count() {
        let gate: FloodGate<u32> = FloodGate::new(Duration::from_secs(3600));
        let t0 = Instant::now();
        for key in 0..3u64 {
            gate.admit(key, 0.0, t0);
            gate.set_sample(key, Arc::new(key as u32));
        }
        gate.admit(1, 1.0, t0);
        let owed = gate.drain();
        assert_eq!(owed.len(), 1);
        assert_eq!(*owed[0].0, 1);
        assert!(gate.next_deadline().is_none());
    }

    #[test]
    fn a_forgotten_window_lets_the_next_record_through() {
        let gate: FloodGate<()> = FloodGate::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(gate.admit(1, 0.0, t0), Admission::Send(None));
        gate.forget(1);
        assert_eq!(gate.admit(1, 0.0, t0), Admission::Send(None));
        assert_eq!(gate.admit(1, 0.0, t0), Admission::Suppress);
    }

    #[test]
    fn zero_interval_disables() {
        let gate: FloodGate<()> = FloodGate::new(Duration::ZERO);
        for _ in 0..3 {
            assert_eq!(gate.admit(1, 0.0, Instant::now()), Admission::Send(None));
        }
    }

    #[test]
    fn keys_separate_logger_level_location_and_message() {
        let base = LogRecord::new("a", Level::ERROR, "m");
        let k = incident_key(&base);
        let mut r = base.clone();
        r.message = "m2".into();
        assert_ne!(incident_key(&r), k);
        let mut r = base.clone();
        r.lineno = 3;
        assert_ne!(incident_key(&r), k);
        let mut r = base.clone();
        r.level = Level::CRITICAL;
        assert_ne!(incident_key(&r), k);
        let mut r = base.clone();
        r.created += 100.0;
        assert_eq!(incident_key(&r), k);
    }

    #[test]
    fn a_full_table_forgets_ended_windows() {
        let gate: FloodGate<()> = FloodGate::new(Duration::from_secs(1));
        let t0 = Instant::now();
        for key in 0..MAX_KEYS as u64 {
            gate.admit(key, 0.0, t0);
        }
        // One of them owes a summary: it stays.
        assert_eq!(gate.admit(3, 0.0, t0), Admission::Suppress);
        let later = t0 + Duration::from_secs(2);
        assert_eq!(gate.admit(u64::MAX, 0.0, later), Admission::Send(None));
        let st = gate.state.lock();
        assert_eq!(st.windows.len(), 2);
        assert!(st.windows.contains_key(&3) && st.windows.contains_key(&u64::MAX));
    }

    #[test]
    fn the_table_is_bounded() {
        let gate: FloodGate<()> = FloodGate::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for key in 0..(MAX_KEYS as u64 + 10) {
            assert_eq!(gate.admit(key, 0.0, t0), Admission::Send(None));
        }
        assert_eq!(gate.state.lock().windows.len(), MAX_KEYS);
        // An untracked key is never suppressed.
        assert_eq!(
            gate.admit(MAX_KEYS as u64 + 5, 0.0, t0),
            Admission::Send(None)
        );
    }
}
