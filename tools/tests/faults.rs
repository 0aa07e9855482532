//! Faults with real processes on loopback: a name server restarting, and
//! daemons killed with SIGKILL in the middle of writing their state files.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ferrymq_broker::Broker;
use ferrymq_client::{ClientConfig, RouteClient};
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::header::{CreateTopicRequestHeader, PutKvConfigRequestHeader};
use tokio::net::TcpListener;

fn temp_dir(tag: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("faults-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ferrymq(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ferrymq"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn kill_9(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
}

/// Waits until a request to `addr` succeeds.
async fn answers(client: &RemotingClient, addr: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let request = RemotingCommand::request(RequestCode::GetBrokerClusterInfo);
        if client
            .invoke(addr, request, Duration::from_millis(500))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn route_exists(client: &RemotingClient, addr: &str, topic: &str) -> bool {
    let request =
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", topic);
    matches!(client.invoke(addr, request, Duration::from_millis(500)).await, Ok(r) if r.is_success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_name_server_is_repopulated_and_cached_routes_keep_working() {
    let dir = temp_dir("restart");
    let port = free_port().await;
    let addr = format!("127.0.0.1:{port}");
    let kv = dir.join("kvConfig.json").display().to_string();
    let port_arg = port.to_string();
    let namesrv_args = [
        "namesrv",
        "--listen-port",
        &port_arg,
        "--kv-config-path",
        &kv,
    ];
    let mut namesrv = ferrymq(&namesrv_args);
    let client = RemotingClient::default();
    assert!(
        answers(&client, &addr, Duration::from_secs(10)).await,
        "the name server starts"
    );

    let mut config = ferrymq_broker::config::EffectiveConfig::default();
    config.values.namesrv_addr.clone_from(&addr);
    config.values.broker_name = "restart-broker".into();
    config.values.store_path_root_dir = dir.join("store");
    config.values.register_name_server_period = 10_000;
    config.values.register_broker_timeout_mills = 1000;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let broker = Broker::start(config.resolve().unwrap(), listener)
        .await
        .unwrap();

    let routes = RouteClient::new(ClientConfig {
        timeout: Duration::from_millis(500),
        ..ClientConfig::with_namesrv_addr(&addr)
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    // refresh_topic, not topic_route: a lookup made before the broker
    // registered is cached as missing until the next refresh.
    let cached = loop {
        match routes.refresh_topic("TBW102").await {
            Ok(_) => break routes.topic_route("TBW102").await.unwrap(),
            Err(error) if Instant::now() > deadline => panic!("no route: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };

    kill_9(&mut namesrv);
    routes.refresh_all().await;
    assert_eq!(
        routes.topic_route("TBW102").await.unwrap(),
        cached,
        "the cached route outlives the name server"
    );

    let restarted_at = Instant::now();
    let mut namesrv = ferrymq(&namesrv_args);
    assert!(
        answers(&client, &addr, Duration::from_secs(10)).await,
        "the name server restarts"
    );
    let mut back = false;
    while restarted_at.elapsed() < Duration::from_secs(14) {
        if route_exists(&client, &addr, "TBW102").await {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        back,
        "the broker re-registered within one registration period"
    );
    broker.stop().await;
    kill_9(&mut namesrv);
}

/// Cheap pseudo-random delays, different on every call.
fn jitter(range_ms: u64) -> Duration {
    let nanos = Instant::now().elapsed().as_nanos() as u64 ^ std::process::id() as u64;
    let mixed = nanos
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    Duration::from_millis(10 + (mixed >> 33) % range_ms)
}

/// The file is absent, or whole JSON with `key` at the top.
fn valid_or_absent(path: &Path, key: &str) {
    for path in [
        path.to_owned(),
        ferrymq_remoting::persist::sibling(path, "bak"),
    ] {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let value: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{} is corrupt ({error}): {text:.200}", path.display()));
        assert!(value.get(key).is_some(), "{} lacks {key}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kv_file_is_never_corrupt_after_kill_9() {
    let dir = temp_dir("kv");
    let kv = dir.join("kvConfig.json");
    let kv_arg = kv.display().to_string();
    let client = RemotingClient::default();
    let value = "v".repeat(20_000);
    for round in 0..20 {
        let port = free_port().await;
        let addr = format!("127.0.0.1:{port}");
        let mut namesrv = ferrymq(&[
            "namesrv",
            "--listen-port",
            &port.to_string(),
            "--kv-config-path",
            &kv_arg,
        ]);
        assert!(
            answers(&client, &addr, Duration::from_secs(10)).await,
            "round {round}: the name server starts on the last file"
        );
        let writer = {
            let (client, addr, value) = (client.clone(), addr.clone(), value.clone());
            tokio::spawn(async move {
                for key in 0.. {
                    let header = PutKvConfigRequestHeader {
                        namespace: "ns".into(),
                        key: format!("k{}", key % 50),
                        value: value.clone(),
                    };
                    let request =
                        RemotingCommand::request_with_header(RequestCode::PutKvConfig, &header);
                    if client
                        .invoke(&addr, request, Duration::from_secs(2))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            })
        };
        tokio::time::sleep(jitter(80)).await;
        kill_9(&mut namesrv);
        let _ = writer.await;
        valid_or_absent(&kv, "configTable");
    }
    assert!(kv.exists(), "the writes reached the disk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_topic_file_is_never_corrupt_after_kill_9() {
    let dir = temp_dir("topics");
    let store = dir.display().to_string();
    let topics = dir.join("config/topics.json");
    let client = RemotingClient::default();
    let dead_namesrv = format!("127.0.0.1:{}", free_port().await);
    for round in 0..20 {
        let port = free_port().await;
        let addr = format!("127.0.0.1:{port}");
        let mut broker = ferrymq(&[
            "broker",
            "-n",
            &dead_namesrv,
            "--listen-port",
            &port.to_string(),
            "--store-path",
            &store,
            "--broker-name",
            "kill-broker",
        ]);
        assert!(
            answers(&client, &addr, Duration::from_secs(10)).await,
            "round {round}: the broker starts on the last file"
        );
        let writer = {
            let (client, addr) = (client.clone(), addr.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    let header = CreateTopicRequestHeader {
                        topic: format!("Topic{}", n % 200),
                        default_topic: "TBW102".into(),
                        read_queue_nums: 1 + n % 8,
                        write_queue_nums: 1 + n % 8,
                        perm: 6,
                        topic_filter_type: "SINGLE_TAG".into(),
                        ..Default::default()
                    };
                    let request = RemotingCommand::request_with_header(
                        RequestCode::UpdateAndCreateTopic,
                        &header,
                    );
                    if client
                        .invoke(&addr, request, Duration::from_secs(2))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            })
        };
        tokio::time::sleep(jitter(80)).await;
        kill_9(&mut broker);
        let _ = writer.await;
        valid_or_absent(&topics, "topicConfigTable");
    }
}
