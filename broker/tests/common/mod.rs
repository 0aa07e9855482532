//! Shared helpers of the broker's socket tests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ferrymq_broker::Broker;
use ferrymq_broker::config::EffectiveConfig as BrokerConfig;
use ferrymq_namesrv::NameServer;
use ferrymq_namesrv::config::EffectiveConfig as NamesrvConfig;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::body::TopicRouteData;
use ferrymq_remoting::protocol::header::CreateTopicRequestHeader;
use ferrymq_remoting::protocol::json;
use tokio::net::TcpListener;

pub const WAIT: Duration = Duration::from_secs(5);

pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "ferrymq-broker-test-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn start_namesrv_on(addr: &str) -> NameServer {
    let mut config = NamesrvConfig::default();
    let dir = temp_dir("ns");
    config.values.kv_config_path = dir.join("kvConfig.json");
    config.values.config_store_path = dir.join("namesrv.properties");
    config.values.scan_not_active_broker_interval = 200;
    NameServer::start(config, TcpListener::bind(addr).await.unwrap())
        .await
        .unwrap()
}

pub async fn start_namesrv() -> (NameServer, String) {
    let server = start_namesrv_on("127.0.0.1:0").await;
    let addr = server.local_addr().to_string();
    (server, addr)
}

pub fn broker_config(name: &str, id: i64, namesrv: &str) -> BrokerConfig {
    let mut config = BrokerConfig::default();
    config.values.broker_name = name.into();
    config.values.broker_id = id;
    config.values.namesrv_addr = namesrv.into();
    config.values.store_path_root_dir = temp_dir("store");
    config.values.register_broker_timeout_mills = 2000;
    config
}

/// Starts a broker on an ephemeral port; its registered address is that port.
pub async fn start_broker(mut config: BrokerConfig) -> Broker {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    config.values.listen_port = listener.local_addr().unwrap().port();
    let config = config.resolve().unwrap();
    Broker::start(config, listener).await.unwrap()
}

pub async fn route(client: &RemotingClient, namesrv: &str, topic: &str) -> Option<TopicRouteData> {
    let request =
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", topic);
    let response = client.invoke(namesrv, request, WAIT).await.unwrap();
    response
        .is_success()
        .then(|| json::from_slice(&response.body).unwrap())
}

pub async fn eventually<F: AsyncFnMut() -> bool>(what: &str, within: Duration, mut check: F) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("not within {within:?}: {what}");
}

pub fn create_topic(topic: &str, queues: i32, perm: i32) -> RemotingCommand {
    let header = CreateTopicRequestHeader {
        topic: topic.into(),
        default_topic: "TBW102".into(),
        read_queue_nums: queues,
        write_queue_nums: queues,
        perm,
        topic_filter_type: "SINGLE_TAG".into(),
        topic_sys_flag: Some(0),
        order: false,
        attributes: None,
    };
    RemotingCommand::request_with_header(RequestCode::UpdateAndCreateTopic, &header)
}
