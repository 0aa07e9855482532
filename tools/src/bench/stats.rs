//! Latency percentiles.

use std::time::Duration;

/// Latencies in microseconds, sorted once for percentiles.
#[derive(Debug, Default)]
pub(crate) struct Latencies {
    micros: Vec<u32>,
    sorted: bool,
}

impl Latencies {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Latencies {
            micros: Vec::with_capacity(capacity),
            sorted: false,
        }
    }

    pub(crate) fn record(&mut self, latency: Duration) {
        self.micros
            .push(latency.as_micros().min(u128::from(u32::MAX)) as u32);
        self.sorted = false;
    }

    pub(crate) fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
        self.sorted = false;
    }

    /// The `q` quantile (0.5 for the median) in microseconds.
    pub(crate) fn quantile(&mut self, q: f64) -> u32 {
        if self.micros.is_empty() {
            return 0;
        }
        if !self.sorted {
            self.micros.sort_unstable();
            self.sorted = true;
        }
        let rank = ((self.micros.len() as f64) * q).ceil() as usize;
        self.micros[rank.clamp(1, self.micros.len()) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        let mut latencies = Latencies::default();
        for micros in (1..=1000).rev() {
            latencies.record(Duration::from_micros(micros));
        }
        assert_eq!(latencies.quantile(0.5), 500);
        assert_eq!(latencies.quantile(0.99), 990);
        assert_eq!(latencies.quantile(0.999), 999);
        assert_eq!(latencies.quantile(1.0), 1000);
        assert_eq!(Latencies::default().quantile(0.5), 0);
    }
}
