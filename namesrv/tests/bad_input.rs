//! Hostile and broken input over real sockets: each gets a clear error or a
//! closed connection, and the server keeps serving everyone else.

mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use common::*;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::body::{RegisterBrokerBody, TopicConfig, body_crc32};
use ferrymq_remoting::protocol::{RequestCode, frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The server still answers a well-behaved client.
async fn still_serving(addr: &str) {
    let response = RemotingClient::default()
        .invoke(
            addr,
            RemotingCommand::request(RequestCode::GetBrokerClusterInfo),
            WAIT,
        )
        .await
        .expect("the server still answers");
    assert!(response.is_success());
}

/// Sends raw bytes and reports whether the server closed the connection
/// without answering.
async fn closed_after(addr: &str, bytes: &[u8]) -> bool {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    let _ = socket.write_all(bytes).await;
    let mut buf = [0u8; 64];
    match tokio::time::timeout(WAIT, socket.read(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        Ok(Ok(_)) => false,
        Err(_) => panic!("the server neither answered nor closed"),
    }
}

fn raw_frame(type_byte: u8, header: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    out.put_u32((4 + header.len() + body.len()) as u32);
    out.put_u32(u32::from(type_byte) << 24 | header.len() as u32);
    out.put_slice(header);
    out.put_slice(body);
    out.to_vec()
}

async fn call_raw(addr: &str, request: &RemotingCommand) -> RemotingCommand {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(&frame::encode_to_vec(request).unwrap())
        .await
        .unwrap();
    let mut len = [0u8; 4];
    socket.read_exact(&mut len).await.unwrap();
    let mut payload = vec![0u8; u32::from_be_bytes(len) as usize];
    socket.read_exact(&mut payload).await.unwrap();
    frame::decode(Bytes::from(payload)).unwrap()
}

#[tokio::test]
async fn malformed_frames_close_only_their_connection() {
    let (_server, addr) = start(test_config("frames")).await;
    let valid =
        frame::encode_to_vec(&RemotingCommand::request(RequestCode::GetBrokerClusterInfo)).unwrap();
    let mut truncated_binary = raw_frame(1, &[0, 105, 0, 0], b"");
    truncated_binary.truncate(truncated_binary.len());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("length 0", vec![0, 0, 0, 0]),
        ("negative length", vec![0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0]),
        (
            "over 16 MiB",
            (17 * 1024 * 1024u32)
                .to_be_bytes()
                .into_iter()
                .chain([0; 4])
                .collect(),
        ),
        (
            "header past the frame",
            vec![0, 0, 0, 8, 0, 0, 1, 0, b'{', b'}', 0, 0],
        ),
        ("serialize type 2", raw_frame(2, b"{}", b"")),
        ("serialize type 127", raw_frame(127, b"{}", b"")),
        ("serialize type 255", raw_frame(255, b"{}", b"")),
        ("truncated binary header", truncated_binary),
        (
            "invalid UTF-8",
            raw_frame(0, b"{\"code\":\"\xff\xfe\"}", b""),
        ),
        (
            "JSON of the wrong types",
            raw_frame(0, br#"{"code":{"nested":1},"opaque":[1]}"#, b""),
        ),
        ("not JSON", raw_frame(0, b"GET / HTTP/1.1", b"")),
        ("a JSON array", raw_frame(0, b"[105]", b"")),
    ];
    for (name, bytes) in cases {
        assert!(
            closed_after(&addr, &bytes).await,
            "{name}: the connection is closed"
        );
        still_serving(&addr).await;
    }
    assert!(
        !closed_after(&addr, &valid).await,
        "a valid frame is answered"
    );
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_the_connection_stays() {
    let (_server, addr) = start(test_config("requests")).await;
    let missing = call_raw(
        &addr,
        &RemotingCommand::request(RequestCode::GetRouteinfoByTopic),
    )
    .await;
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.remark.as_deref(),
        Some("the custom field <topic> is null")
    );
    let unknown = call_raw(&addr, &RemotingCommand::request(424_242)).await;
    assert_eq!(unknown.code, 3);
    let not_a_number = RemotingCommand::request(RequestCode::UnregisterBroker)
        .with_ext("brokerName", "b")
        .with_ext("brokerAddr", "a")
        .with_ext("clusterName", "c")
        .with_ext("brokerId", "zero");
    let response = call_raw(&addr, &not_a_number).await;
    assert_eq!(response.code, 1);
    assert!(response.remark.unwrap().contains("brokerId"));

    // A header with 100,000 ext fields is read and answered, not a crash.
    let mut huge =
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", "nope");
    for i in 0..100_000 {
        huge.ext_fields.insert(format!("field{i}"), "x".into());
    }
    assert_eq!(call_raw(&addr, &huge).await.code, 17);
    still_serving(&addr).await;
}

fn registration_with(configs: Vec<TopicConfig>) -> RemotingCommand {
    let mut body = RegisterBrokerBody::default();
    body.topic_config_serialize_wrapper.topic_config_table.0 = configs;
    register_request("c", "b", 0, "10.0.0.1:10911", &body)
}

#[tokio::test]
async fn bad_registration_bodies_are_refused_and_change_nothing() {
    let (server, addr) = start(test_config("bodies")).await;
    let client = RemotingClient::default();

    // A zlib bomb: a few KB that inflate to 100 MiB.
    let mut encoder = flate2_encoder();
    for _ in 0..100 {
        encoder.write_all(&[0u8; 1024 * 1024]).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1024 * 1024);
    let mut request = registration_with(vec![]);
    request
        .ext_fields
        .insert("compressed".into(), "true".into());
    request
        .ext_fields
        .insert("bodyCrc32".into(), body_crc32(&bomb).to_string());
    request.body = bomb.into();
    let response = call(&client, &addr, request).await;
    assert_eq!(response.code, 1);
    assert!(
        response.remark.unwrap().contains("inflates past"),
        "a clear error"
    );

    let mut huge = TopicConfig::new("huge", 4);
    huge.write_queue_nums = i32::MAX;
    let mut negative = TopicConfig::new("negative", 4);
    negative.read_queue_nums = -1;
    for (config, expected) in [
        (huge, "writeQueueNums"),
        (negative, "readQueueNums"),
        (TopicConfig::new("", 4), "blank"),
        (TopicConfig::new("t".repeat(300), 4), "longer"),
        (TopicConfig::new("has space", 4), "illegal characters"),
    ] {
        let request = registration_with(vec![config, TopicConfig::new("fine", 4)]);
        let response = call(&client, &addr, request).await;
        assert_eq!(response.code, 1, "{expected}");
        let remark = response.remark.unwrap();
        assert!(
            remark.contains(expected),
            "{remark} should mention {expected}"
        );
    }
    assert!(
        server.routes().cluster_info().broker_addr_table.is_empty(),
        "nothing was registered"
    );
    assert!(server.routes().all_topics().topic_list.is_empty());
}

fn flate2_encoder() -> flate2::write::ZlibEncoder<Vec<u8>> {
    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best())
}

#[tokio::test]
async fn a_trickling_client_is_cut_off_by_the_idle_timeout() {
    let mut config = test_config("slowloris");
    config.values.server_channel_max_idle_time_seconds = 1;
    let (_server, addr) = start(config).await;
    let request =
        frame::encode_to_vec(&RemotingCommand::request(RequestCode::GetBrokerClusterInfo)).unwrap();
    let mut socket = TcpStream::connect(&addr).await.unwrap();
    let started = Instant::now();
    // Half a frame, then a byte every 300 ms: never a whole frame.
    socket
        .write_all(&request[..request.len() / 2])
        .await
        .unwrap();
    let mut closed = false;
    for byte in &request[request.len() / 2..request.len() - 1] {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if socket.write_all(std::slice::from_ref(byte)).await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(1), socket.read(&mut buf)).await
        {
            closed = true;
            break;
        }
        if started.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    assert!(closed, "the trickling connection was closed");
    assert!(started.elapsed() < Duration::from_secs(3));
    still_serving(&addr).await;
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected_and_memory_stays_bounded() {
    let mut config = test_config("nonreader");
    config.values.server_channel_max_idle_time_seconds = 1;
    let (_server, addr) = start(config).await;
    let mut socket = TcpStream::connect(&addr).await.unwrap();
    // Ask for the settings (about 1.5 KB each) 50,000 times without reading.
    let one =
        frame::encode_to_vec(&RemotingCommand::request(RequestCode::GetNamesrvConfig)).unwrap();
    let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * 1000).collect();
    let started = Instant::now();
    let mut writes_failed = false;
    for _ in 0..50 {
        match tokio::time::timeout(Duration::from_secs(3), socket.write_all(&batch)).await {
            Ok(Ok(())) => {}
            _ => {
                writes_failed = true;
                break;
            }
        }
    }
    assert!(
        writes_failed,
        "the server stopped reading: writes block or fail"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    still_serving(&addr).await;
}

#[tokio::test]
async fn connections_past_the_cap_are_refused_and_storms_leave_no_trace() {
    let mut config = test_config("cap");
    config.values.server_max_connections = 3;
    let (server, addr) = start(config).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut socket = TcpStream::connect(&addr).await.unwrap();
        let request =
            frame::encode_to_vec(&RemotingCommand::request(RequestCode::GetBrokerClusterInfo))
                .unwrap();
        socket.write_all(&request).await.unwrap();
        let mut len = [0u8; 4];
        socket.read_exact(&mut len).await.unwrap();
        held.push(socket);
    }
    let request =
        frame::encode_to_vec(&RemotingCommand::request(RequestCode::GetBrokerClusterInfo)).unwrap();
    assert!(
        closed_after(&addr, &request).await,
        "the fourth connection is refused"
    );
    drop(held);

    let fds_before = open_fds();
    for _ in 0..2000 {
        drop(TcpStream::connect(&addr).await.unwrap());
    }
    let connections = server.processor().connections().clone();
    eventually("every stormed connection is gone", async || {
        connections.is_empty()
    })
    .await;
    still_serving(&addr).await;
    assert!(
        open_fds() <= fds_before + 4,
        "no file descriptor leaked: {} then {}",
        fds_before,
        open_fds()
    );
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}
