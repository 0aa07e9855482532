//! Brokers leave the route table when their connection closes and when they
//! go silent, over real sockets and real time (short timeouts).

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn a_broker_is_dropped_the_moment_its_connection_closes() {
    let (server, addr) = start(test_config("close")).await;
    let broker = RemotingClient::default();
    let response = call(
        &broker,
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
    assert!(response.is_success());
    assert!(server.routes().pickup_route("t1", None).is_some());
    drop(broker);
    let routes = server.routes().clone();
    eventually("the route is gone", async || {
        routes.pickup_route("t1", None).is_none()
    })
    .await;
    assert!(server.routes().cluster_info().broker_addr_table.is_empty());
}

#[tokio::test]
async fn a_broker_that_moved_to_a_new_connection_survives_the_old_one_closing() {
    let (server, addr) = start(test_config("moved")).await;
    let first = RemotingClient::default();
    let second = RemotingClient::default();
    let request = || {
        register_request(
            "c",
            "b",
            0,
            "10.0.0.1:10911",
            &register_body(1, &["t1", "t2"]),
        )
    };
    call(&first, &addr, request()).await;
    call(&second, &addr, request()).await;
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.routes().pickup_route("t1", None).is_some(),
        "the live connection is the second"
    );
    drop(second);
    let routes = server.routes().clone();
    eventually("the route is gone", async || {
        routes.pickup_route("t1", None).is_none()
    })
    .await;
}

#[tokio::test]
async fn an_evicted_broker_is_dropped_and_its_socket_closed() {
    let mut config = test_config("evict");
    config.values.scan_not_active_broker_interval = 100;
    let (server, addr) = start(config).await;
    let mut request = register_request(
        "c",
        "b",
        0,
        "10.0.0.1:10911",
        &register_body(1, &["t1", "t2"]),
    );
    request
        .ext_fields
        .insert("heartbeatTimeoutMillis".into(), "500".into());
    request.opaque = 1;
    let mut socket = TcpStream::connect(&addr).await.unwrap();
    socket
        .write_all(&frame::encode_to_vec(&request).unwrap())
        .await
        .unwrap();
    let mut len = [0u8; 4];
    socket.read_exact(&mut len).await.unwrap();
    let mut payload = vec![0u8; u32::from_be_bytes(len) as usize];
    socket.read_exact(&mut payload).await.unwrap();
    assert!(frame::decode(Bytes::from(payload)).unwrap().is_success());
    let registered = Instant::now();
    assert!(server.routes().pickup_route("t1", None).is_some());

    // The broker now stays silent; the name server closes its socket.
    let mut rest = Vec::new();
    let read = tokio::time::timeout(WAIT, socket.read_to_end(&mut rest)).await;
    assert!(
        matches!(read, Ok(Ok(0))),
        "the server closed the connection: {read:?}"
    );
    assert!(
        registered.elapsed() >= Duration::from_millis(450),
        "not before the timeout"
    );
    assert!(server.routes().pickup_route("t1", None).is_none());
}

#[tokio::test]
async fn an_idle_broker_connection_is_closed_and_the_broker_dropped() {
    let mut config = test_config("idle");
    config.values.server_channel_max_idle_time_seconds = 1;
    let (server, addr) = start(config).await;
    let broker = RemotingClient::default();
    call(
        &broker,
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
    assert!(server.routes().pickup_route("t1", None).is_some());
    let started = Instant::now();
    let routes = server.routes().clone();
    eventually("the idle broker is dropped", async || {
        routes.pickup_route("t1", None).is_none()
    })
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the idle time"
    );
    // The client learns of the close from its own reader task, which may run
    // a moment after the server dropped the broker.
    eventually("the client sees the connection closed", async || {
        !broker.is_connected(&addr)
    })
    .await;
}

#[tokio::test]
async fn a_broker_whose_connection_breaks_on_a_bad_frame_is_dropped() {
    let (server, addr) = start(test_config("badframe")).await;
    let request = register_request(
        "c",
        "b",
        0,
        "10.0.0.1:10911",
        &register_body(1, &["t1", "t2"]),
    );
    let mut socket = TcpStream::connect(&addr).await.unwrap();
    socket
        .write_all(&frame::encode_to_vec(&request).unwrap())
        .await
        .unwrap();
    let mut len = [0u8; 4];
    socket.read_exact(&mut len).await.unwrap();
    let mut payload = vec![0u8; u32::from_be_bytes(len) as usize];
    socket.read_exact(&mut payload).await.unwrap();
    assert!(server.routes().pickup_route("t1", None).is_some());
    // A frame whose header length runs past its end: the server closes the connection.
    socket
        .write_all(&[0, 0, 0, 8, 0, 0, 0, 200, 0, 0, 0, 0])
        .await
        .unwrap();
    let routes = server.routes().clone();
    eventually("the broker is dropped", async || {
        routes.pickup_route("t1", None).is_none()
    })
    .await;
}
