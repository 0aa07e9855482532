//! Shared helpers of the name server's socket tests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ferrymq_namesrv::NameServer;
use ferrymq_namesrv::config::EffectiveConfig;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::body::{
    DataVersion, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper, TopicConfigTable,
    body_crc32,
};
use ferrymq_remoting::protocol::header::RegisterBrokerRequestHeader;
use tokio::net::TcpListener;

pub const WAIT: Duration = Duration::from_secs(5);

/// A fresh directory under the system temp dir for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "ferrymq-namesrv-test-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Settings for a test server: files in a temp dir, short scans.
pub fn test_config(tag: &str) -> EffectiveConfig {
    let dir = temp_dir(tag);
    let mut config = EffectiveConfig::default();
    config.values.kv_config_path = dir.join("kvConfig.json");
    config.values.config_store_path = dir.join("namesrv.properties");
    config
}

/// Starts a name server on 127.0.0.1 with an ephemeral port.
pub async fn start(config: EffectiveConfig) -> (NameServer, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = NameServer::start(config, listener).await.unwrap();
    let addr = server.local_addr().to_string();
    (server, addr)
}

/// A broker's registration body with the given topics (4 queues each).
pub fn register_body(counter: i64, topics: &[&str]) -> RegisterBrokerBody {
    RegisterBrokerBody {
        filter_server_list: vec![],
        topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
            data_version: DataVersion {
                counter,
                state_version: 0,
                timestamp: 1_700_000_000_000 + counter,
            },
            topic_config_table: TopicConfigTable(
                topics.iter().map(|t| TopicConfig::new(*t, 4)).collect(),
            ),
            ..Default::default()
        },
    }
}

/// A REGISTER_BROKER request as a Java broker sends it.
pub fn register_request(
    cluster: &str,
    name: &str,
    id: i64,
    addr: &str,
    body: &RegisterBrokerBody,
) -> RemotingCommand {
    let bytes = body.encode_json();
    let header = RegisterBrokerRequestHeader {
        broker_name: name.into(),
        broker_addr: addr.into(),
        cluster_name: cluster.into(),
        ha_server_addr: format!("{}:{}", addr.split(':').next().unwrap(), 10912),
        broker_id: id,
        body_crc32: body_crc32(&bytes),
        ..Default::default()
    };
    RemotingCommand::request_with_header(RequestCode::RegisterBroker, &header).with_body(bytes)
}

/// Sends a request and expects an answer.
pub async fn call(
    client: &RemotingClient,
    addr: &str,
    request: RemotingCommand,
) -> RemotingCommand {
    client.invoke(addr, request, WAIT).await.unwrap()
}

/// Waits until `check` holds, polling.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}
