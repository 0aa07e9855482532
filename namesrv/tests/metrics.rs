//! Prometheus metrics over HTTP. In a test binary of its own: a process
//! has one metrics recorder.

mod common;

use std::time::Duration;

use common::*;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::RequestCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn metrics_count_requests_and_brokers() {
    let metrics_port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = test_config("metrics");
    config.values.metrics_port = metrics_port;
    config.values.scan_not_active_broker_interval = 100;
    let (_server, addr) = start(config).await;
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let client = RemotingClient::default();
    call(
        &client,
        &addr,
        register_request(
            "c",
            "b",
            0,
            "10.0.0.1:10911",
            &register_body(1, &["t1", "t2"]),
        ),
    )
    .await;
    call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", "t1"),
    )
    .await;
    call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", "nope"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = get(&metrics_addr, "/metrics").await;
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(
        text.contains(
            r#"ferrymq_namesrv_requests_total{code="GET_ROUTEINFO_BY_TOPIC",result="SUCCESS"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"ferrymq_namesrv_requests_total{code="GET_ROUTEINFO_BY_TOPIC",result="TOPIC_NOT_EXIST"} 1"#), "{text}");
    assert!(
        text.contains(
            r#"ferrymq_namesrv_requests_total{code="REGISTER_BROKER",result="SUCCESS"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("ferrymq_namesrv_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("ferrymq_namesrv_live_brokers 1"), "{text}");
    assert!(text.contains("ferrymq_namesrv_topics 2"), "{text}");
    assert!(
        get(&metrics_addr, "/other")
            .await
            .starts_with("HTTP/1.1 404")
    );
}
