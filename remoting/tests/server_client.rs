//! The server and the client against each other over real sockets on
//! 127.0.0.1, plus raw sockets where the exact bytes matter.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrymq_remoting::client::{ClientConfig, ClientError, Failover, RemotingClient};
use ferrymq_remoting::protocol::{RemotingCommand, SerializeType, frame};
use ferrymq_remoting::server::{
    ConnectionId, ConnectionInfo, Connections, HandlerError, Processor, Server, ServerConfig,
};
use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const ECHO: i32 = 1;
const SLOW: i32 = 2;
const FAIL: i32 = 3;
const RECORD: i32 = 4;

#[derive(Default)]
struct TestProcessor {
    recorded: Mutex<Vec<Bytes>>,
    closed: Mutex<Vec<ConnectionId>>,
}

impl Processor for TestProcessor {
    async fn process(
        &self,
        _connection: &ConnectionInfo,
        request: RemotingCommand,
    ) -> Result<RemotingCommand, HandlerError> {
        match request.code {
            ECHO => Ok(RemotingCommand::success().with_body(request.body)),
            SLOW => {
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok(RemotingCommand::success().with_body(request.body))
            }
            FAIL => Err("the disk is on fire".into()),
            RECORD => {
                self.recorded.lock().push(request.body);
                Ok(RemotingCommand::success())
            }
            code => Ok(RemotingCommand::not_supported(code)),
        }
    }

    fn connection_closed(&self, connection: &ConnectionInfo) {
        self.closed.lock().push(connection.id);
    }
}

struct TestServer {
    addr: String,
    processor: Arc<TestProcessor>,
    connections: Connections,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start_server(config: ServerConfig) -> TestServer {
    start_server_on("127.0.0.1:0", config).await
}

async fn start_server_on(addr: &str, config: ServerConfig) -> TestServer {
    let listener = TcpListener::bind(addr).await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let processor = Arc::new(TestProcessor::default());
    let server = Server::new(processor.clone()).with_config(config);
    let connections = server.connections();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(server.serve(listener, shutdown.clone()));
    TestServer {
        addr,
        processor,
        connections,
        shutdown,
        task,
    }
}

fn echo(body: &'static [u8]) -> RemotingCommand {
    RemotingCommand::request(ECHO).with_body(body)
}

const WAIT: Duration = Duration::from_secs(5);

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Writes one raw frame.
async fn send_raw(stream: &mut TcpStream, command: &RemotingCommand) {
    stream
        .write_all(&frame::encode_to_vec(command).unwrap())
        .await
        .unwrap();
}

/// Reads one raw frame, or `None` at end of stream.
async fn read_raw(stream: &mut TcpStream) -> Option<RemotingCommand> {
    let mut len = [0u8; 4];
    if stream.read_exact(&mut len).await.is_err() {
        return None;
    }
    let mut payload = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut payload).await.unwrap();
    Some(frame::decode(Bytes::from(payload)).unwrap())
}

#[tokio::test]
async fn request_and_response() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    let response = client
        .invoke(&server.addr, echo(b"hello"), WAIT)
        .await
        .unwrap();
    assert!(response.is_success());
    assert!(response.is_response());
    assert_eq!(&response.body[..], b"hello");
}

#[tokio::test]
async fn responses_echo_the_opaque_and_the_serialize_type() {
    let server = start_server(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    for (opaque, serialize_type) in [(11, SerializeType::Json), (12, SerializeType::RocketMq)] {
        let mut request = echo(b"x");
        request.opaque = opaque;
        request.serialize_type = serialize_type;
        send_raw(&mut stream, &request).await;
        let response = read_raw(&mut stream).await.unwrap();
        assert_eq!(response.opaque, opaque);
        assert_eq!(response.serialize_type, serialize_type);
        assert_eq!(response.flag & 1, 1);
    }
}

#[tokio::test]
async fn oneway_requests_get_no_response() {
    let server = start_server(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let mut oneway = RemotingCommand::request(RECORD)
        .with_body(&b"first"[..])
        .into_oneway();
    oneway.opaque = 1;
    send_raw(&mut stream, &oneway).await;
    let mut normal = echo(b"second");
    normal.opaque = 2;
    send_raw(&mut stream, &normal).await;
    let response = read_raw(&mut stream).await.unwrap();
    assert_eq!(
        response.opaque, 2,
        "the first frame back answers the second request"
    );
    assert_eq!(
        server.processor.recorded.lock().as_slice(),
        [Bytes::from_static(b"first")]
    );

    // The client's oneway call is processed too.
    let client = RemotingClient::default();
    let request = RemotingCommand::request(RECORD).with_body(&b"third"[..]);
    client
        .invoke_oneway(&server.addr, request, WAIT)
        .await
        .unwrap();
    eventually("the oneway request is processed", || {
        server.processor.recorded.lock().len() == 2
    })
    .await;
}

#[tokio::test]
async fn unknown_codes_are_not_supported() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    let response = client
        .invoke(&server.addr, RemotingCommand::request(999), WAIT)
        .await
        .unwrap();
    assert_eq!(response.code, 3);
    assert_eq!(
        response.remark.as_deref(),
        Some(" request type 999 not supported")
    );
}

#[tokio::test]
async fn handler_errors_become_system_errors() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    let response = client
        .invoke(&server.addr, RemotingCommand::request(FAIL), WAIT)
        .await
        .unwrap();
    assert_eq!(response.code, 1);
    assert_eq!(response.remark.as_deref(), Some("the disk is on fire"));
}

#[tokio::test]
async fn a_call_times_out_and_the_connection_stays_usable() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    let slow = RemotingCommand::request(SLOW);
    let error = client
        .invoke(&server.addr, slow, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Timeout { .. }), "{error}");
    // The late response is dropped; the next call gets its own.
    let response = client
        .invoke(&server.addr, echo(b"after"), WAIT)
        .await
        .unwrap();
    assert_eq!(&response.body[..], b"after");
    assert_eq!(server.connections.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_connection() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    let calls = (0..200).map(|i| {
        let client = client.clone();
        let addr = server.addr.clone();
        tokio::spawn(async move {
            let body = format!("request-{i}");
            let request = RemotingCommand::request(ECHO).with_body(body.clone());
            let response = client.invoke(&addr, request, WAIT).await.unwrap();
            assert_eq!(response.body, body.as_bytes());
        })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap();
    }
    assert_eq!(server.connections.len(), 1);
}

#[tokio::test]
async fn the_client_reconnects_after_the_server_closes_the_connection() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    client
        .invoke(&server.addr, echo(b"one"), WAIT)
        .await
        .unwrap();
    let closed = server.connections.close(ConnectionId(1));
    assert!(closed);
    eventually("the client sees the close", || {
        !client.is_connected(&server.addr)
    })
    .await;
    let response = client
        .invoke(&server.addr, echo(b"two"), WAIT)
        .await
        .unwrap();
    assert_eq!(&response.body[..], b"two");
    assert_eq!(server.processor.closed.lock().as_slice(), [ConnectionId(1)]);
}

#[tokio::test]
async fn the_client_reconnects_after_a_server_restart() {
    let server = start_server(ServerConfig::default()).await;
    let addr = server.addr.clone();
    let client = RemotingClient::default();
    client.invoke(&addr, echo(b"before"), WAIT).await.unwrap();
    server.shutdown.cancel();
    server.task.await.unwrap().unwrap();
    let error = client.invoke(&addr, echo(b"down"), WAIT).await.unwrap_err();
    assert!(
        matches!(
            error,
            ClientError::Connect { .. } | ClientError::ConnectionClosed { .. }
        ),
        "{error}"
    );
    let _restarted = start_server_on(&addr, ServerConfig::default()).await;
    let response = client.invoke(&addr, echo(b"after"), WAIT).await.unwrap();
    assert_eq!(&response.body[..], b"after");
}

#[tokio::test]
async fn calls_in_flight_fail_when_the_connection_breaks() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    client
        .invoke(&server.addr, echo(b"warm"), WAIT)
        .await
        .unwrap();
    let call = {
        let client = client.clone();
        let addr = server.addr.clone();
        tokio::spawn(async move {
            client
                .invoke(&addr, RemotingCommand::request(SLOW), WAIT)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.close(&server.addr);
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(error, ClientError::ConnectionClosed { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn the_processor_hears_of_every_closed_connection() {
    let server = start_server(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    send_raw(&mut stream, &echo(b"x")).await;
    read_raw(&mut stream).await.unwrap();
    drop(stream);
    eventually("the close is reported", || {
        server.processor.closed.lock().len() == 1
    })
    .await;
    assert!(server.connections.is_empty());
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let config = ServerConfig {
        idle_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let server = start_server(config).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    send_raw(&mut stream, &echo(b"x")).await;
    read_raw(&mut stream).await.unwrap();
    let started = std::time::Instant::now();
    let end = tokio::time::timeout(WAIT, read_raw(&mut stream))
        .await
        .unwrap();
    assert!(end.is_none(), "the server closed the idle connection");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "not before the idle time"
    );
    eventually("the close is reported", || {
        server.processor.closed.lock().len() == 1
    })
    .await;
}

#[tokio::test]
async fn connections_past_the_cap_are_refused() {
    let config = ServerConfig {
        max_connections: 2,
        ..Default::default()
    };
    let server = start_server(config).await;
    let mut first = TcpStream::connect(&server.addr).await.unwrap();
    let mut second = TcpStream::connect(&server.addr).await.unwrap();
    for stream in [&mut first, &mut second] {
        send_raw(stream, &echo(b"in")).await;
        assert!(read_raw(stream).await.is_some());
    }
    let mut third = TcpStream::connect(&server.addr).await.unwrap();
    let _ = third
        .write_all(&frame::encode_to_vec(&echo(b"over")).unwrap())
        .await;
    assert!(
        tokio::time::timeout(WAIT, read_raw(&mut third))
            .await
            .unwrap()
            .is_none()
    );
    // Closing one makes room again.
    drop(first);
    eventually("a slot frees up", || server.connections.len() == 1).await;
    let mut fourth = TcpStream::connect(&server.addr).await.unwrap();
    send_raw(&mut fourth, &echo(b"again")).await;
    assert!(read_raw(&mut fourth).await.is_some());
}

#[tokio::test]
async fn a_bad_frame_closes_only_its_own_connection() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    client
        .invoke(&server.addr, echo(b"ok"), WAIT)
        .await
        .unwrap();
    let mut bad = TcpStream::connect(&server.addr).await.unwrap();
    bad.write_all(&[0, 0, 0, 8, 0, 0, 0, 4, b'n', b'o', b'p', b'e'])
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(WAIT, read_raw(&mut bad))
            .await
            .unwrap()
            .is_none()
    );
    let response = client
        .invoke(&server.addr, echo(b"still ok"), WAIT)
        .await
        .unwrap();
    assert_eq!(&response.body[..], b"still ok");
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_then_closes() {
    let server = start_server(ServerConfig::default()).await;
    let client = RemotingClient::default();
    client
        .invoke(&server.addr, echo(b"warm"), WAIT)
        .await
        .unwrap();
    let call = {
        let client = client.clone();
        let addr = server.addr.clone();
        tokio::spawn(async move {
            client
                .invoke(
                    &addr,
                    RemotingCommand::request(SLOW).with_body(&b"late"[..]),
                    WAIT,
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.shutdown.cancel();
    let response = call.await.unwrap().unwrap();
    assert_eq!(&response.body[..], b"late");
    tokio::time::timeout(WAIT, server.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(&server.addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn failover_moves_to_the_next_address_and_stays_there() {
    let server = start_server(ServerConfig::default()).await;
    let dead = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let list = Failover::parse(&format!("{dead};{}", server.addr));
    let client = RemotingClient::new(ClientConfig {
        connect_timeout: Duration::from_millis(500),
        ..Default::default()
    });
    let (answered, response) = list.invoke(&client, echo(b"hi"), WAIT).await.unwrap();
    assert_eq!(answered, server.addr);
    assert_eq!(&response.body[..], b"hi");
    // The next call goes straight to the live address.
    let (answered, _) = list.invoke(&client, echo(b"again"), WAIT).await.unwrap();
    assert_eq!(answered, server.addr);
    assert!(!client.is_connected(&dead));

    let none = Failover::parse(&dead);
    let error = none.invoke(&client, echo(b"x"), WAIT).await.unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }), "{error}");
    assert!(matches!(
        Failover::parse("").invoke(&client, echo(b"x"), WAIT).await,
        Err(ClientError::NoAddress)
    ));
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let server = start_server(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let mut batch = Vec::new();
    for opaque in 0..50 {
        let mut request = echo(b"p");
        request.opaque = opaque;
        batch.extend_from_slice(&frame::encode_to_vec(&request).unwrap());
    }
    stream.write_all(&batch).await.unwrap();
    for opaque in 0..50 {
        assert_eq!(read_raw(&mut stream).await.unwrap().opaque, opaque);
    }
}
