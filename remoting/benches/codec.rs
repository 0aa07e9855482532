//! Micro-benchmarks of the frame codec and the route JSON encoder.

use std::collections::BTreeMap;
use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, criterion_group, criterion_main};
use ferrymq_remoting::protocol::body::{BrokerData, QueueData, TopicRouteData};
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::{RemotingCommand, SerializeType, frame};

fn route_request(serialize_type: SerializeType) -> Bytes {
    let mut request = RemotingCommand::request(105).with_ext("topic", "TopicTest");
    request.opaque = 12345;
    request.serialize_type = serialize_type;
    let mut buf = BytesMut::new();
    frame::encode(&request, &mut buf).unwrap();
    buf.freeze().slice(4..)
}

fn route(brokers: usize) -> TopicRouteData {
    let mut route = TopicRouteData::default();
    for i in 0..brokers {
        let name = format!("broker-{i:03}");
        route.broker_datas.push(BrokerData {
            broker_addrs: BTreeMap::from([(0, format!("10.0.{}.{}:10911", i / 256, i % 256))]),
            broker_name: name.clone(),
            cluster: "DefaultCluster".into(),
            ..Default::default()
        });
        route.queue_datas.push(QueueData {
            broker_name: name,
            perm: 6,
            read_queue_nums: 8,
            write_queue_nums: 8,
            topic_sys_flag: 0,
        });
    }
    route
}

fn codec(c: &mut Criterion) {
    for (name, serialize_type) in [
        ("json", SerializeType::Json),
        ("binary", SerializeType::RocketMq),
    ] {
        let payload = route_request(serialize_type);
        c.bench_function(&format!("decode route request ({name})"), |b| {
            b.iter(|| frame::decode(black_box(payload.clone())).unwrap())
        });
        let response =
            RemotingCommand::success().answering(&frame::decode(payload.clone()).unwrap());
        let mut buf = BytesMut::with_capacity(256);
        c.bench_function(&format!("encode response header ({name})"), |b| {
            b.iter(|| {
                buf.clear();
                frame::encode(black_box(&response), &mut buf).unwrap();
            })
        });
    }
    for brokers in [1, 100] {
        let route = route(brokers);
        for style in [KeyStyle::Standard, KeyStyle::Legacy] {
            c.bench_function(&format!("route JSON, {brokers} brokers, {style:?}"), |b| {
                b.iter(|| json::to_vec(black_box(&route), style))
            });
        }
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
