//! Real RocketMQ clients from package registries against ferrymq: the
//! Apache C++ client (PyPI `rocketmq` 0.4.4, JSON headers, version 63) and
//! the pure JavaScript ali-ons (npm 3.12.0, version 121). Both ask routes of
//! the name server; ali-ons also creates a topic through the broker.
//!
//! The clients are installed on first use by `tests/interop/setup.sh` under
//! the target directory; it needs Python 3 with venv, Node with npm, and
//! the registries.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ferrymq_namesrv::NameServer;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::body::{RegisterBrokerBody, TopicConfig, body_crc32};
use ferrymq_remoting::protocol::header::RegisterBrokerRequestHeader;
use ferrymq_tools::standalone::{Standalone, StandaloneArgs};
use serde_json::Value;
use tokio::net::TcpListener;

const WAIT: Duration = Duration::from_secs(5);

/// Installs the clients once per test run.
fn peers() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-peers");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/setup.sh");
        let output = Command::new("bash").arg(&script).arg(&dir).output().expect("running setup.sh");
        assert!(
            output.status.success(),
            "installing the interop clients failed (needs python3 -m venv, npm and the registries):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        dir
    })
}

/// Runs a client and returns the JSON line it printed.
async fn run_peer(
    program: PathBuf,
    script: &'static str,
    verb: &'static str,
    env: Vec<(&'static str, String)>,
) -> Value {
    let dir = peers();
    let home = dir.join("home");
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(program)
            .arg(script)
            .arg(verb)
            .current_dir(dir)
            .env("HOME", &home)
            .envs(env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the client");
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{script} {verb} hung");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|line| line.starts_with('{'))
            .unwrap_or_else(|| {
                panic!(
                    "{script} {verb} printed no result:\n{stdout}\n{}",
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        serde_json::from_str(line).unwrap()
    })
    .await
    .unwrap()
}

async fn cpp_route(namesrv: &str, topic: &str) -> Value {
    let python = peers().join("venv/bin/python");
    run_peer(
        python,
        "peer_cpp.py",
        "route",
        vec![("NAMESRV", namesrv.into()), ("TOPIC", topic.into())],
    )
    .await
}

async fn alions(verb: &'static str, namesrv: &str, topic: &str, broker: &str) -> Value {
    alions_as(verb, namesrv, topic, broker, None).await
}

/// Runs ali-ons, signing its requests with `account` if given.
async fn alions_as(
    verb: &'static str,
    namesrv: &str,
    topic: &str,
    broker: &str,
    account: Option<(&str, &str)>,
) -> Value {
    let mut env = vec![
        ("NAMESRV", namesrv.into()),
        ("TOPIC", topic.into()),
        ("BROKER", broker.into()),
    ];
    if let Some((access_key, secret_key)) = account {
        env.push(("AK", access_key.into()));
        env.push(("SK", secret_key.into()));
    }
    run_peer("node".into(), "peer_alions.js", verb, env).await
}

/// The queues the C++ client listed, as (broker, queue id) pairs.
fn cpp_queues(seen: &Value) -> Vec<(String, i64)> {
    seen["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["broker"].as_str().unwrap().to_owned(),
                q["queue"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_read_routes_from_the_name_server() {
    let mut config = ferrymq_namesrv::config::EffectiveConfig::default();
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("interop-ns-{}", std::process::id()));
    config.values.kv_config_path = dir.join("kvConfig.json");
    let server = NameServer::start(config, TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let namesrv = server.local_addr().to_string();

    // A broker registers a topic with 6 queues, through ferrymq's own client.
    let mut body = RegisterBrokerBody::default();
    body.topic_config_serialize_wrapper.topic_config_table.0 = vec![
        TopicConfig::new("InteropTopic", 6),
        TopicConfig::new("TBW102", 8),
    ];
    let bytes = body.encode_json();
    let header = RegisterBrokerRequestHeader {
        broker_name: "interop-broker".into(),
        broker_addr: "127.0.0.1:30911".into(),
        cluster_name: "DefaultCluster".into(),
        ha_server_addr: "127.0.0.1:30912".into(),
        broker_id: 0,
        body_crc32: body_crc32(&bytes),
        ..Default::default()
    };
    let broker = RemotingClient::default();
    let request =
        RemotingCommand::request_with_header(RequestCode::RegisterBroker, &header).with_body(bytes);
    assert!(
        broker
            .invoke(&namesrv, request, WAIT)
            .await
            .unwrap()
            .is_success()
    );

    let seen = cpp_queues(&cpp_route(&namesrv, "InteropTopic").await);
    let expected: Vec<(String, i64)> = (0..6).map(|q| ("interop-broker".to_owned(), q)).collect();
    assert_eq!(seen, expected, "the C++ client sees the 6 queues");

    let seen = alions("route", &namesrv, "InteropTopic", "").await;
    let route = &seen["route"];
    assert_eq!(route["queueDatas"][0]["writeQueueNums"], 6, "{seen}");
    assert_eq!(route["queueDatas"][0]["brokerName"], "interop-broker");
    assert_eq!(
        route["brokerDatas"][0]["brokerAddrs"]["0"],
        "127.0.0.1:30911"
    );

    // A topic nobody serves: the C++ client finds no queue, ali-ons an error.
    assert!(cpp_queues(&cpp_route(&namesrv, "NoSuchTopic").await).is_empty());
    let missing = alions("route", &namesrv, "NoSuchTopic", "").await;
    assert!(
        missing["error"]
            .as_str()
            .unwrap_or("")
            .contains("No topic route info"),
        "{missing}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_created_by_ali_ons_through_the_broker_is_routed_to_both_clients() {
    let data = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("interop-standalone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let args = StandaloneArgs {
        data_dir: data,
        bind_address: "127.0.0.1".into(),
        namesrv_port: 0,
        broker_port: 0,
        broker_name: "broker-a".into(),
    };
    let both = Standalone::start(&args).await.unwrap();
    let namesrv = both.namesrv.local_addr().to_string();
    let broker = both.broker.local_addr().to_string();

    let created = alions("createtopic", &namesrv, "CreatedByAliOns", &broker).await;
    assert_eq!(created["created"], "CreatedByAliOns", "{created}");
    // The broker registers the new topic at once; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        seen = cpp_queues(&cpp_route(&namesrv, "CreatedByAliOns").await);
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let expected: Vec<(String, i64)> = (0..3).map(|q| ("broker-a".to_owned(), q)).collect();
    assert_eq!(
        seen, expected,
        "the C++ client sees the new topic's 3 queues"
    );
    let route = alions("route", &namesrv, "CreatedByAliOns", "").await;
    assert_eq!(
        route["route"]["queueDatas"][0]["writeQueueNums"], 3,
        "{route}"
    );
    assert_eq!(
        route["route"]["brokerDatas"][0]["brokerAddrs"]["0"],
        broker.as_str()
    );
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ali_ons_with_credentials_passes_access_control_and_without_them_does_not() {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("interop-acl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let accounts = dir.join("acl.json");
    std::fs::write(
        &accounts,
        r#"{"accounts":[{"accessKey":"ons-admin","secretKey":"ons-secret","admin":true}]}"#,
    )
    .unwrap();

    let mut ns_config = ferrymq_namesrv::config::EffectiveConfig::default();
    ns_config.values.kv_config_path = dir.join("kvConfig.json");
    let namesrv = NameServer::start(ns_config, TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let namesrv_addr = namesrv.local_addr().to_string();
    let mut broker_config = ferrymq_broker::config::EffectiveConfig::default();
    broker_config.values.namesrv_addr.clone_from(&namesrv_addr);
    broker_config.values.broker_name = "acl-broker".into();
    broker_config.values.store_path_root_dir = dir.join("store");
    broker_config.values.acl_enable = true;
    broker_config.values.acl_file = accounts;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let broker = ferrymq_broker::Broker::start(broker_config.resolve().unwrap(), listener)
        .await
        .unwrap();
    let broker_addr = broker.local_addr().to_string();

    let refused = alions_as(
        "createtopic",
        &namesrv_addr,
        "Guarded",
        &broker_addr,
        Some(("ons-admin", "wrong")),
    )
    .await;
    assert!(
        refused["error"]
            .as_str()
            .unwrap_or("")
            .contains("Check signature failed"),
        "{refused}"
    );
    let anonymous = alions("createtopic", &namesrv_addr, "Guarded", &broker_addr).await;
    assert!(
        anonymous["error"]
            .as_str()
            .unwrap_or("")
            .contains("No accessKey"),
        "{anonymous}"
    );
    assert!(broker.topics().get("Guarded").is_none());

    let created = alions_as(
        "createtopic",
        &namesrv_addr,
        "Guarded",
        &broker_addr,
        Some(("ons-admin", "ons-secret")),
    )
    .await;
    assert_eq!(created["created"], "Guarded", "{created}");
    assert!(broker.topics().get("Guarded").is_some());
    broker.stop().await;
    namesrv.stop().await;
}
