//! Login throttling: failed attempts counted per key (an account name, a client address) over a sliding
//! window; a key with too many is refused until its oldest failure leaves the window. Time is passed in, so
//! tests move it instead of waiting.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures per key per window, and how many keys are remembered.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures a key may have within `window` before it is refused.
    pub max_failures: usize,
    /// How far back failures count.
    pub window: Duration,
    /// Keys remembered at most; beyond this the keys whose last failure is oldest are forgotten (an attacker
    /// spraying addresses cannot grow the table without bound).
    pub max_keys: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_failures: 5, window: Duration::from_secs(300), max_keys: 100_000 }
    }
}

/// Failed logins by key.
#[derive(Debug)]
pub struct Throttle {
    limits: Limits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    /// A throttle with `limits`.
    pub fn new(limits: Limits) -> Throttle {
        Throttle { limits, failures: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // The map holds counts only; one left half-updated by a panic is still usable.
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(wait)` if any of `keys` has used up its failures at `now`: try again after `wait`.
    pub fn check(&self, keys: &[&str], now: Instant) -> Result<(), Duration> {
        let map = self.lock();
        let mut wait = Duration::ZERO;
        for key in keys {
            let Some(times) = map.get(*key) else { continue };
            let recent: Vec<&Instant> = times.iter().filter(|t| now.duration_since(**t) < self.limits.window).collect();
            if recent.len() >= self.limits.max_failures {
                // The attempt that frees a slot is when the oldest counted failure leaves the window.
                let oldest = recent[recent.len() - self.limits.max_failures];
                wait = wait.max(self.limits.window - now.duration_since(*oldest));
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failed attempt against each of `keys`.
    pub fn failed(&self, keys: &[&str], now: Instant) {
        let mut map = self.lock();
        for key in keys {
            let times = map.entry((*key).to_owned()).or_default();
            while times.front().is_some_and(|t| now.duration_since(*t) >= self.limits.window) {
                times.pop_front();
            }
            times.push_back(now);
            while times.len() > self.limits.max_failures {
                times.pop_front();
            }
        }
        if map.len() > self.limits.max_keys {
            let window = self.limits.window;
            map.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
            while map.len() > self.limits.max_keys {
                let Some(stalest) = map.iter().min_by_key(|(_, t)| t.back().copied()).map(|(k, _)| k.clone()) else {
                    break;
                };
                map.remove(&stalest);
            }
        }
    }

    /// Forgets the failures of `key` (an account after a successful login).
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { max_failures: 3, window: Duration::from_secs(60), max_keys: 4 }
    }

    #[test]
    fn the_fourth_attempt_within_the_window_waits_for_the_oldest_to_expire() {
        let t = Throttle::new(limits());
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(t.check(&["user:a", "addr:1"], t0 + Duration::from_secs(i)), Ok(()));
            t.failed(&["user:a", "addr:1"], t0 + Duration::from_secs(i));
        }
        assert_eq!(t.check(&["user:a"], t0 + Duration::from_secs(10)), Err(Duration::from_secs(50)));
        assert_eq!(t.check(&["addr:1"], t0 + Duration::from_secs(10)), Err(Duration::from_secs(50)));
        assert_eq!(t.check(&["user:b", "addr:2"], t0 + Duration::from_secs(10)), Ok(()), "other keys unaffected");
        assert_eq!(t.check(&["user:a"], t0 + Duration::from_secs(60)), Ok(()), "oldest failure expired");
    }

    #[test]
    fn clearing_an_account_leaves_its_address_counted() {
        let t = Throttle::new(limits());
        let now = Instant::now();
        for _ in 0..3 {
            t.failed(&["user:a", "addr:1"], now);
        }
        t.clear("user:a");
        assert_eq!(t.check(&["user:a"], now), Ok(()));
        assert!(t.check(&["user:a", "addr:1"], now).is_err());
    }

    #[test]
    fn the_table_stays_within_its_key_limit() {
        let t = Throttle::new(limits());
        let now = Instant::now();
        for i in 0..100u64 {
            t.failed(&[&format!("addr:{i}")], now + Duration::from_millis(i));
        }
        assert!(t.lock().len() <= 4);
        assert!(t.lock().contains_key("addr:99"), "the newest key is kept");
    }
}
