//! Latency-based fault avoidance, as the Java producer's
//! `sendLatencyFaultEnable` option does it.
//!
//! After each send the producer records how long the broker took. A slow
//! broker is avoided for a while that grows with its latency (a broker at
//! 550 ms is skipped for 2 s, one at 15 s for 30 s), and a failed send counts
//! as 10 s of latency.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Latency thresholds, in milliseconds…
const LATENCY_MAX: [u64; 7] = [50, 100, 550, 1800, 3000, 5000, 15000];
/// …and how long a broker at or above each is avoided, in milliseconds.
const NOT_AVAILABLE: [u64; 7] = [0, 0, 2000, 5000, 6000, 10000, 30000];
/// The latency a failed send counts as.
const FAILURE_LATENCY: Duration = Duration::from_secs(10);

/// Which brokers to avoid, and until when.
#[derive(Debug, Default)]
pub struct LatencyFaultTolerance {
    avoid_until: Mutex<HashMap<String, Instant>>,
}

impl LatencyFaultTolerance {
    /// No broker avoided yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a send to `broker` that took `latency`, or failed.
    pub fn record(&self, broker: &str, latency: Duration, failed: bool, now: Instant) {
        let latency = if failed { FAILURE_LATENCY } else { latency };
        let millis = latency.as_millis() as u64;
        let avoid = LATENCY_MAX
            .iter()
            .rposition(|&max| millis >= max)
            .map_or(0, |at| NOT_AVAILABLE[at]);
        let mut avoid_until = self.avoid_until.lock();
        if avoid == 0 {
            avoid_until.remove(broker);
        } else {
            avoid_until.insert(broker.to_owned(), now + Duration::from_millis(avoid));
        }
    }

    /// Whether `broker` may be used now.
    pub fn is_available(&self, broker: &str, now: Instant) -> bool {
        self.avoid_until
            .lock()
            .get(broker)
            .is_none_or(|&until| now >= until)
    }

    /// Of `brokers`, the one available soonest.
    pub fn least_bad<'a>(&self, brokers: impl Iterator<Item = &'a str>) -> Option<&'a str> {
        let avoid_until = self.avoid_until.lock();
        brokers.min_by_key(|broker| avoid_until.get(*broker).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_and_failed_brokers_are_avoided_for_a_while() {
        let faults = LatencyFaultTolerance::new();
        let now = Instant::now();
        faults.record("fast", Duration::from_millis(80), false, now);
        assert!(faults.is_available("fast", now));
        faults.record("slow", Duration::from_millis(600), false, now);
        assert!(!faults.is_available("slow", now + Duration::from_millis(1999)));
        assert!(faults.is_available("slow", now + Duration::from_millis(2000)));
        faults.record("down", Duration::ZERO, true, now);
        assert!(!faults.is_available("down", now + Duration::from_secs(9)));
        assert!(faults.is_available("down", now + Duration::from_secs(10)));
        assert_eq!(faults.least_bad(["down", "slow"].into_iter()), Some("slow"));
        faults.record("slow", Duration::from_millis(10), false, now);
        assert!(faults.is_available("slow", now), "a fast send clears it");
    }
}
