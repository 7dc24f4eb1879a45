//! The watchdog behind [`super::extract_isolated`]: run a closure on a
//! helper thread, wait for its result with a timeout, and abandon the
//! thread when it does not answer in time. Abandoned threads that are still
//! running are counted; past [`MAX_STUCK`] no new thread is started.
//!
//! Helper threads are reused: one that finishes a job (in time or after
//! being abandoned) waits for the next, up to [`MAX_IDLE`] of them. An
//! import extracts thousands of attachments; a thread for each cost time
//! and, through glibc's per-thread arenas, tens of MB of fragmented memory.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::{ExtractError, ExtractLimits};

/// How many abandoned extraction threads may still be running before
/// isolated extractions fail fast with [`ExtractError::Busy`].
pub const MAX_STUCK: usize = 4;

/// Stack of an extraction thread: the PDF text extractor recurses into
/// nested form XObjects (whose depth is checked beforehand).
const STACK_BYTES: usize = 16 << 20;

static STUCK: AtomicUsize = AtomicUsize::new(0);

/// Idle helper threads kept waiting for work, at most.
pub const MAX_IDLE: usize = 8;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The job queues of idle helper threads.
static IDLE: Mutex<Vec<Sender<Job>>> = Mutex::new(Vec::new());

/// Threads started for extraction so far (tests: reuse is visible).
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// How many helper threads were started in this process.
#[cfg(test)]
fn helpers_started() -> usize {
    STARTED.load(Ordering::SeqCst)
}

/// A helper's life: run jobs; after each, offer itself as idle (or end
/// when enough are idle). A job that panics is contained here; its result
/// channel is dropped, which the waiter sees as [`Failure::Lost`].
fn helper(jobs: Receiver<Job>, me: Sender<Job>) {
    while let Ok(job) = jobs.recv() {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() >= MAX_IDLE {
            return;
        }
        idle.push(me.clone());
    }
}

/// Hands `job` to an idle helper, or to a new one.
fn dispatch(job: Job) -> Result<(), Failure> {
    let idle = IDLE.lock().unwrap_or_else(|e| e.into_inner()).pop();
    if let Some(tx) = idle {
        // An idle helper holds its own sender, so it is still listening.
        return tx.send(job).map_err(|_| Failure::Busy);
    }
    let (tx, rx) = crossbeam_channel::bounded::<Job>(1);
    let me = tx.clone();
    thread::Builder::new()
        .name("mailsift-extract".into())
        .stack_size(STACK_BYTES)
        .spawn(move || helper(rx, me))
        .map_err(|_| Failure::Busy)?;
    STARTED.fetch_add(1, Ordering::SeqCst);
    tx.send(job).map_err(|_| Failure::Busy)
}

/// The process-wide count of stuck threads.
pub(super) fn global() -> &'static AtomicUsize {
    &STUCK
}

/// Why no result came back.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Failure {
    /// Too many threads stuck, or none could be started.
    Busy,
    /// No answer in time; the thread was abandoned.
    TimedOut,
    /// The thread ended without sending a result.
    Lost,
}

impl Failure {
    pub(super) fn into_error(self, limits: &ExtractLimits) -> ExtractError {
        match self {
            Failure::Busy => ExtractError::Busy,
            Failure::TimedOut => ExtractError::timed_out(limits),
            Failure::Lost => ExtractError::Panicked {
                message: "extraction thread ended without a result".into(),
            },
        }
    }
}

const RUNNING: u8 = 0;
const DONE: u8 = 1;
const ABANDONED: u8 = 2;

/// Marks the job done when the thread ends; uncounts it if it was
/// abandoned.
struct Done {
    state: Arc<AtomicU8>,
    stuck: &'static AtomicUsize,
}

impl Drop for Done {
    fn drop(&mut self) {
        if self
            .state
            .compare_exchange(RUNNING, DONE, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            // The waiter gave up on this thread and counted it as stuck.
            self.stuck.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Runs `f` on a helper thread and waits up to `wait` for its result. On
/// timeout the thread is left running and `stuck` counts it until it ends.
pub(super) fn run<T: Send + 'static>(
    stuck: &'static AtomicUsize,
    wait: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    if stuck.load(Ordering::SeqCst) > MAX_STUCK {
        return Err(Failure::Busy);
    }
    let state = Arc::new(AtomicU8::new(RUNNING));
    let (tx, rx) = crossbeam_channel::bounded(1);
    let thread_state = Arc::clone(&state);
    dispatch(Box::new(move || {
        // Runs on every way out of the job, unwinding included.
        let _done = Done {
            state: thread_state,
            stuck,
        };
        // The receiver may be gone (abandoned): nothing to do then.
        let _ = tx.send(f());
    }))?;
    match rx.recv_timeout(wait) {
        Ok(result) => Ok(result),
        Err(RecvTimeoutError::Disconnected) => Err(Failure::Lost),
        Err(RecvTimeoutError::Timeout) => {
            // Count first, so that the thread's decrement can never come
            // before this increment.
            stuck.fetch_add(1, Ordering::SeqCst);
            if state
                .compare_exchange(RUNNING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                Err(Failure::TimedOut)
            } else {
                // It finished just now: its result is in the channel.
                stuck.fetch_sub(1, Ordering::SeqCst);
                rx.try_recv().map_err(|_| Failure::Lost)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn counter() -> &'static AtomicUsize {
        Box::leak(Box::new(AtomicUsize::new(0)))
    }

    #[test]
    fn returns_the_result() {
        let stuck = counter();
        assert_eq!(run(stuck, Duration::from_secs(30), || 7), Ok(7));
        assert_eq!(stuck.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn helper_threads_are_reused() {
        let stuck = counter();
        // Sequential jobs: after the first, an idle helper is always there
        // (other tests may run jobs at the same time, hence the margin).
        let before = helpers_started();
        for i in 0..200 {
            assert_eq!(run(stuck, Duration::from_secs(30), move || i), Ok(i));
        }
        let started = helpers_started() - before;
        assert!(started <= 1 + MAX_IDLE, "{started} threads for 200 jobs");
    }

    #[test]
    fn a_panicking_closure_is_lost_not_propagated() {
        let stuck = counter();
        let r: Result<(), _> = run(stuck, Duration::from_secs(30), || panic!("boom"));
        assert_eq!(r, Err(Failure::Lost));
        assert_eq!(stuck.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn stuck_threads_are_counted_then_refused_then_released() {
        let stuck = counter();
        let (release_tx, release_rx) = crossbeam_channel::unbounded::<()>();
        // MAX_STUCK + 1 threads that hang until released.
        for _ in 0..=MAX_STUCK {
            let rx = release_rx.clone();
            let r = run(stuck, Duration::from_millis(20), move || {
                let _ = rx.recv();
            });
            assert_eq!(r, Err(Failure::TimedOut));
        }
        assert_eq!(stuck.load(Ordering::SeqCst), MAX_STUCK + 1);
        let t = Instant::now();
        assert_eq!(
            run(stuck, Duration::from_secs(30), || ()),
            Err(Failure::Busy)
        );
        assert!(t.elapsed() < Duration::from_secs(10));
        drop(release_tx);
        // The threads end and uncount themselves.
        let t = Instant::now();
        while stuck.load(Ordering::SeqCst) > 0 && t.elapsed() < Duration::from_secs(30) {
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(stuck.load(Ordering::SeqCst), 0);
        assert_eq!(run(stuck, Duration::from_secs(30), || 1), Ok(1));
    }
}
