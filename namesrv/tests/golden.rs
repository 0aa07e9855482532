//! The name server's answers to requests captured from real clients match
//! what a real Apache RocketMQ 4.9.8 name server answered (the `realns-*`
//! fixtures), byte for byte apart from `enableActingMaster`, which 4.9.8
//! lacks and 5.x clients need, and the server's own version number.

mod common;

use std::path::Path;

use bytes::Bytes;
use common::*;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::body::TopicConfig;
use ferrymq_remoting::protocol::frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../remoting/tests/fixtures/captures")
        .join(format!("realns-{name}.hex"));
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn decode(bytes: &[u8]) -> RemotingCommand {
    frame::decode(Bytes::copy_from_slice(&bytes[4..])).unwrap()
}

/// Sends raw request bytes and reads one raw response frame.
async fn exchange(addr: &str, request: &[u8]) -> Vec<u8> {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(request).await.unwrap();
    let mut len = [0u8; 4];
    socket.read_exact(&mut len).await.unwrap();
    let mut frame = len.to_vec();
    frame.resize(4 + u32::from_be_bytes(len) as usize, 0);
    socket.read_exact(&mut frame[4..]).await.unwrap();
    frame
}

/// The real server's body with the field 4.9.8 lacks.
fn with_acting_master(body: &[u8]) -> String {
    String::from_utf8(body.to_vec()).unwrap().replace(
        r#""cluster":"DefaultCluster"}"#,
        r#""cluster":"DefaultCluster","enableActingMaster":false}"#,
    )
}

fn assert_same_header(ours: &RemotingCommand, real: &RemotingCommand, name: &str) {
    assert_eq!(ours.code, real.code, "{name}: code");
    assert_eq!(ours.flag, real.flag, "{name}: flag");
    assert_eq!(ours.opaque, real.opaque, "{name}: opaque");
    assert_eq!(ours.language, real.language, "{name}: language");
    assert_eq!(
        ours.serialize_type, real.serialize_type,
        "{name}: serialize type"
    );
    assert_eq!(ours.remark, real.remark, "{name}: remark");
    assert_eq!(ours.ext_fields, real.ext_fields, "{name}: extFields");
}

/// The state the real name server was in: broker-a at 127.0.0.1:20911
/// serving RealT1 with 4 queues. The broker's connection is returned: the
/// broker is forgotten when it closes.
async fn start_like_the_capture() -> (ferrymq_namesrv::NameServer, String, RemotingClient) {
    let (server, addr) = start(test_config("golden")).await;
    let mut body = register_body(1, &[]);
    body.topic_config_serialize_wrapper.topic_config_table.0 =
        vec![TopicConfig::new("RealT1", 4), TopicConfig::new("TBW102", 8)];
    let request = register_request("DefaultCluster", "broker-a", 0, "127.0.0.1:20911", &body);
    let broker = RemotingClient::default();
    assert!(call(&broker, &addr, request).await.is_success());
    (server, addr, broker)
}

#[tokio::test]
async fn routes_match_the_real_name_server_in_every_form() {
    let (_server, addr, _broker) = start_like_the_capture().await;
    for name in [
        "route-v63",
        "route-v409",
        "route-v63-rocketmqser",
        "route-notexist",
    ] {
        let real = decode(&fixture(&format!("{name}.resp")));
        let ours = decode(&exchange(&addr, &fixture(&format!("{name}.req"))).await);
        assert_same_header(&ours, &real, name);
        assert_eq!(
            String::from_utf8(ours.body.to_vec()).unwrap(),
            with_acting_master(&real.body),
            "{name}: body"
        );
    }
}

#[tokio::test]
async fn cluster_info_matches_the_real_name_server() {
    let (_server, addr, _broker) = start_like_the_capture().await;
    let real = decode(&fixture("clusterinfo.resp"));
    let ours = decode(&exchange(&addr, &fixture("clusterinfo.req")).await);
    assert_same_header(&ours, &real, "clusterinfo");
    assert_eq!(
        String::from_utf8(ours.body.to_vec()).unwrap(),
        with_acting_master(&real.body)
    );
}

#[tokio::test]
async fn a_real_broker_registration_is_answered_like_the_real_name_server() {
    let (server, addr) = start(test_config("golden-register")).await;
    let real = decode(&fixture("register-broker.resp"));
    let ours = decode(&exchange(&addr, &fixture("register-broker.req")).await);
    assert_same_header(&ours, &real, "register-broker");
    assert_eq!(ours.body, real.body);
    let topics = server.routes().all_topics().topic_list;
    assert!(
        topics.contains(&"TBW102".to_owned()) && topics.contains(&"SELF_TEST_TOPIC".to_owned()),
        "{topics:?}"
    );
}
