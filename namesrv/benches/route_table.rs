//! The route table and the request processor without the network:
//! registration of a 1000-topic broker (first time, unchanged, changed) and
//! route lookups (cached and rebuilt) for topics on 1 and 100 brokers.
//!
//! Run with `cargo bench -p ferrymq-namesrv --bench route_table`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ferrymq_namesrv::config::EffectiveConfig;
use ferrymq_namesrv::kv::KvStore;
use ferrymq_namesrv::processor::NamesrvProcessor;
use ferrymq_namesrv::route::RouteTable;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::body::{
    DataVersion, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper, TopicConfigTable,
    body_crc32,
};
use ferrymq_remoting::protocol::header::{GetRouteInfoRequestHeader, RegisterBrokerRequestHeader};
use ferrymq_remoting::protocol::{RequestCode, version};
use ferrymq_remoting::server::{ConnectionId, ConnectionInfo, Connections};

fn processor() -> NamesrvProcessor {
    let config = EffectiveConfig::default();
    NamesrvProcessor::new(
        Arc::new(RouteTable::new(config.route_settings())),
        KvStore::in_memory(),
        config,
        Connections::new(),
    )
}

fn connection(id: u64) -> ConnectionInfo {
    ConnectionInfo {
        id: ConnectionId(id),
        peer: "127.0.0.1:1".parse().unwrap(),
    }
}

/// A registration as a Java broker sends it: `topics` topics named
/// `{prefix}{n}`, version `counter`.
fn registration(broker: usize, topics: usize, prefix: &str, counter: i64) -> RemotingCommand {
    let configs = (0..topics)
        .map(|n| TopicConfig::new(format!("{prefix}{n}"), 8))
        .collect();
    let body = RegisterBrokerBody {
        filter_server_list: vec![],
        topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
            data_version: DataVersion {
                counter,
                state_version: 0,
                timestamp: 1_700_000_000_000,
            },
            topic_config_table: TopicConfigTable(configs),
            ..Default::default()
        },
    }
    .encode_json();
    let header = RegisterBrokerRequestHeader {
        broker_name: format!("broker-{broker:03}"),
        broker_addr: format!("10.0.{}.{}:10911", broker / 250, broker % 250),
        cluster_name: "DefaultCluster".into(),
        ha_server_addr: format!("10.0.{}.{}:10912", broker / 250, broker % 250),
        broker_id: 0,
        body_crc32: body_crc32(&body),
        ..Default::default()
    };
    let mut request =
        RemotingCommand::request_with_header(RequestCode::RegisterBroker, &header).with_body(body);
    request.version = version::V4_9_8;
    request
}

fn route_request(topic: &str, version: i32) -> RemotingCommand {
    let header = GetRouteInfoRequestHeader {
        topic: topic.into(),
        ..Default::default()
    };
    let mut request =
        RemotingCommand::request_with_header(RequestCode::GetRouteinfoByTopic, &header);
    request.version = version;
    request
}

fn registration_benches(c: &mut Criterion) {
    let first = registration(0, 1000, "topic-", 1);
    c.bench_function("register 1000-topic broker, first time", |b| {
        b.iter_batched(
            processor,
            |processor| {
                let response = processor.handle(&connection(1), black_box(&first)).unwrap();
                assert!(response.is_success());
                processor
            },
            BatchSize::LargeInput,
        )
    });

    let processor = processor();
    processor.handle(&connection(1), &first).unwrap();
    c.bench_function("register 1000-topic broker again, nothing changed", |b| {
        b.iter(|| processor.handle(&connection(1), black_box(&first)).unwrap())
    });

    let mut counter = 1;
    c.bench_function("register 1000-topic broker again, new data version", |b| {
        b.iter_batched(
            || {
                counter += 1;
                registration(0, 1000, "topic-", counter)
            },
            |request| processor.handle(&connection(1), &request).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

fn lookup_benches(c: &mut Criterion) {
    let processor = processor();
    // 100 brokers share topics shared-0..999; broker 0 alone has solo-0..999.
    for broker in 0..100 {
        processor
            .handle(
                &connection(broker as u64),
                &registration(broker, 1000, "shared-", 1),
            )
            .unwrap();
    }
    processor
        .handle(&connection(0), &registration(0, 1000, "solo-", 1))
        .unwrap();

    for (name, topic) in [("1 broker", "solo-7"), ("100 brokers", "shared-7")] {
        for (style, version) in [("standard", version::V4_9_8), ("legacy", version::V3_4_9)] {
            let request = route_request(topic, version);
            c.bench_function(
                &format!("route lookup, {name}, {style} JSON, cached"),
                |b| {
                    b.iter(|| {
                        processor
                            .handle(&connection(500), black_box(&request))
                            .unwrap()
                    })
                },
            );
        }
        let request = route_request(topic, version::V4_9_8);
        c.bench_function(&format!("route lookup, {name}, rebuilt each time"), |b| {
            b.iter(|| {
                processor.routes().invalidate_routes();
                processor
                    .handle(&connection(500), black_box(&request))
                    .unwrap()
            })
        });
    }
}

criterion_group!(benches, registration_benches, lookup_benches);
criterion_main!(benches);
