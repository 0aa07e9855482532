//! The liveness scanner: every `scanNotActiveBrokerInterval` it evicts
//! brokers silent for longer than their timeout and closes their
//! connections.
//!
//! The eviction itself is one synchronous call on the route table; the
//! connections are closed after the lock is released.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::metrics;
use crate::processor::{NamesrvProcessor, now};

/// Runs until `shutdown`. The first scan comes one interval after start.
pub(crate) async fn run(processor: Arc<NamesrvProcessor>, shutdown: CancellationToken) {
    loop {
        // Read each time: the interval can change at runtime.
        let interval = processor.config().scan_interval();
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        scan_once(&processor);
    }
}

/// One scan: evict, close, report.
pub(crate) fn scan_once(processor: &NamesrvProcessor) {
    let evictions = processor.routes().evict_inactive(now());
    for eviction in &evictions {
        let broker = &eviction.broker;
        warn!(
            cluster = %broker.cluster, broker = %broker.name, id = broker.id, addr = %broker.addr,
            silent_ms = eviction.silent_millis as u64, "broker evicted: no registration or heartbeat within its timeout"
        );
        if let Some(connection) = eviction.connection {
            processor.connections().close(connection);
        }
    }
    metrics::record_evictions(evictions.len());
    metrics::record_stats(
        processor.routes().stats(),
        processor.routes().cached_bytes(),
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ferrymq_remoting::protocol::body::{RegisterBrokerBody, TopicConfig, TopicConfigTable};
    use ferrymq_remoting::protocol::header::RegisterBrokerRequestHeader;
    use ferrymq_remoting::protocol::{RemotingCommand, RequestCode};
    use ferrymq_remoting::server::{ConnectionId, ConnectionInfo, Connections};

    use super::*;
    use crate::config::EffectiveConfig;
    use crate::kv::KvStore;
    use crate::route::RouteTable;

    fn processor() -> Arc<NamesrvProcessor> {
        let config = EffectiveConfig::default();
        Arc::new(NamesrvProcessor::new(
            Arc::new(RouteTable::new(config.route_settings())),
            KvStore::in_memory(),
            config,
            Connections::new(),
        ))
    }

    fn register(processor: &NamesrvProcessor, timeout_millis: Option<i64>) {
        let header = RegisterBrokerRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "127.0.0.1:10911".into(),
            cluster_name: "DefaultCluster".into(),
            ha_server_addr: "127.0.0.1:10912".into(),
            broker_id: 0,
            heartbeat_timeout_millis: timeout_millis,
            ..Default::default()
        };
        let mut body = RegisterBrokerBody::default();
        body.topic_config_serialize_wrapper.topic_config_table =
            TopicConfigTable(vec![TopicConfig::new("t1", 4), TopicConfig::new("t2", 4)]);
        let request = RemotingCommand::request_with_header(RequestCode::RegisterBroker, &header)
            .with_body(body.encode_json());
        let connection = ConnectionInfo {
            id: ConnectionId(1),
            peer: "127.0.0.1:1".parse().unwrap(),
        };
        let response = processor.handle(&connection, &request).unwrap();
        assert!(response.is_success(), "{response:?}");
    }

    fn has_route(processor: &NamesrvProcessor) -> bool {
        processor.routes().pickup_route("t1", None).is_some()
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_broker_is_evicted_after_the_default_timeout() {
        let processor = processor();
        register(&processor, None);
        let shutdown = CancellationToken::new();
        let scanner = tokio::spawn(run(processor.clone(), shutdown.clone()));
        tokio::time::sleep(Duration::from_secs(119)).await;
        assert!(has_route(&processor), "still alive before 120 s");
        tokio::time::sleep(Duration::from_secs(7)).await;
        assert!(!has_route(&processor), "evicted by the scan after 120 s");
        shutdown.cancel();
        scanner.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_broker_may_ask_for_its_own_timeout() {
        let processor = processor();
        register(&processor, Some(10_000));
        let shutdown = CancellationToken::new();
        let scanner = tokio::spawn(run(processor.clone(), shutdown.clone()));
        tokio::time::sleep(Duration::from_secs(9)).await;
        assert!(has_route(&processor));
        tokio::time::sleep(Duration::from_secs(7)).await;
        assert!(!has_route(&processor));
        shutdown.cancel();
        scanner.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn re_registration_keeps_a_broker_alive() {
        let processor = processor();
        register(&processor, None);
        let shutdown = CancellationToken::new();
        let scanner = tokio::spawn(run(processor.clone(), shutdown.clone()));
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_secs(30)).await;
            register(&processor, None);
        }
        assert!(
            has_route(&processor),
            "alive after 300 s of 30 s registrations"
        );
        shutdown.cancel();
        scanner.await.unwrap();
    }
}
