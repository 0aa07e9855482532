//! Picking the queue for the next message.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::fault::LatencyFaultTolerance;
use crate::publish::{MessageQueue, PublishInfo};

/// Picks queues in turn, steering retries away from the broker that just
/// failed, and optionally away from slow brokers.
///
/// One selector is shared by every sender of a producer; the turn is a
/// shared counter rather than the Java client's per-thread one.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// use ferrymq_client::{PublishInfo, QueueSelector};
/// use ferrymq_remoting::protocol::body::TopicRouteData;
///
/// // A route as a name server sends it: broker-a and broker-b, 2 queues each.
/// let route: TopicRouteData = ferrymq_remoting::protocol::json::from_slice(br#"{
///     "brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"c"},
///                    {"brokerAddrs":{"0":"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"c"}],
///     "queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":2,"writeQueueNums":2},
///                   {"brokerName":"broker-b","perm":6,"readQueueNums":2,"writeQueueNums":2}]}"#).unwrap();
/// let info = PublishInfo::from_route("OrderEvents", Arc::new(route));
/// assert_eq!(info.queues.len(), 4);
///
/// let selector = QueueSelector::with_latency_fault_tolerance();
/// let first = selector.select(&info, None).unwrap();
/// assert_eq!((first.broker_name.as_str(), first.queue_id), ("broker-a", 0));
/// // broker-a timed out: the retry goes elsewhere, and so do the next sends for a while.
/// selector.record("broker-a", Duration::from_secs(3), true);
/// let retry = selector.select(&info, Some("broker-a")).unwrap();
/// assert_eq!(retry.broker_name, "broker-b");
/// assert_eq!(selector.select(&info, None).unwrap().broker_name, "broker-b");
/// ```
#[derive(Debug, Default)]
pub struct QueueSelector {
    next: AtomicUsize,
    faults: Option<LatencyFaultTolerance>,
}

impl QueueSelector {
    /// A selector that rotates and avoids the last failed broker.
    pub fn new() -> Self {
        Self::default()
    }

    /// A selector that also avoids brokers whose recent sends were slow or
    /// failed (Java: `sendLatencyFaultEnable=true`). Report every send with
    /// [`record`](Self::record).
    pub fn with_latency_fault_tolerance() -> Self {
        QueueSelector {
            next: AtomicUsize::new(0),
            faults: Some(LatencyFaultTolerance::new()),
        }
    }

    /// The next queue. With `last_failed_broker`, a queue of another broker
    /// if there is one.
    pub fn select(
        &self,
        info: &PublishInfo,
        last_failed_broker: Option<&str>,
    ) -> Option<MessageQueue> {
        let queues = &info.queues;
        if queues.is_empty() {
            return None;
        }
        let now = Instant::now();
        let usable = |queue: &MessageQueue| {
            last_failed_broker != Some(queue.broker_name.as_str())
                && self
                    .faults
                    .as_ref()
                    .is_none_or(|f| f.is_available(&queue.broker_name, now))
        };
        for _ in 0..queues.len() {
            let queue = &queues[self.next.fetch_add(1, Ordering::Relaxed) % queues.len()];
            if usable(queue) {
                return Some(queue.clone());
            }
        }
        // Every broker is to be avoided: take the one that recovers soonest,
        // or simply the next queue.
        if let Some(faults) = &self.faults {
            let brokers = queues.iter().map(|q| q.broker_name.as_str());
            if let Some(broker) = faults.least_bad(brokers) {
                let choices: Vec<_> = queues.iter().filter(|q| q.broker_name == broker).collect();
                let pick = self.next.fetch_add(1, Ordering::Relaxed) % choices.len();
                return Some(choices[pick].clone());
            }
        }
        Some(queues[self.next.fetch_add(1, Ordering::Relaxed) % queues.len()].clone())
    }

    /// Reports how a send to `broker` went, for fault avoidance.
    pub fn record(&self, broker: &str, latency: Duration, failed: bool) {
        if let Some(faults) = &self.faults {
            faults.record(broker, latency, failed, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ferrymq_remoting::protocol::body::TopicRouteData;

    use super::*;

    fn info(brokers: &[&str], per_broker: i32) -> PublishInfo {
        let queues = brokers
            .iter()
            .flat_map(|broker| {
                (0..per_broker).map(move |queue_id| MessageQueue {
                    topic: "t".into(),
                    broker_name: broker.to_string(),
                    queue_id,
                })
            })
            .collect();
        PublishInfo {
            topic: "t".into(),
            order_topic: false,
            from_auto_create: false,
            queues,
            route: Arc::new(TopicRouteData::default()),
        }
    }

    #[test]
    fn queues_are_used_in_turn() {
        let selector = QueueSelector::new();
        let info = info(&["a", "b"], 2);
        let picked: Vec<_> = (0..5)
            .map(|_| selector.select(&info, None).unwrap())
            .collect();
        let seen: Vec<_> = picked
            .iter()
            .map(|q| (q.broker_name.as_str(), q.queue_id))
            .collect();
        assert_eq!(seen, [("a", 0), ("a", 1), ("b", 0), ("b", 1), ("a", 0)]);
    }

    #[test]
    fn a_retry_avoids_the_failed_broker() {
        let selector = QueueSelector::new();
        let info = info(&["a", "b"], 2);
        for _ in 0..10 {
            assert_eq!(selector.select(&info, Some("a")).unwrap().broker_name, "b");
        }
        let lone = self::info(&["a"], 2);
        assert_eq!(
            selector.select(&lone, Some("a")).unwrap().broker_name,
            "a",
            "nothing else to use"
        );
        assert!(selector.select(&self::info(&[], 0), None).is_none());
    }

    #[test]
    fn slow_brokers_are_avoided_when_asked() {
        let selector = QueueSelector::with_latency_fault_tolerance();
        let info = info(&["a", "b"], 2);
        selector.record("a", Duration::from_millis(3000), false);
        for _ in 0..10 {
            assert_eq!(selector.select(&info, None).unwrap().broker_name, "b");
        }
        selector.record("b", Duration::ZERO, true);
        assert_eq!(
            selector.select(&info, None).unwrap().broker_name,
            "a",
            "a recovers sooner than b"
        );
    }
}
