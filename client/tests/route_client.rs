//! The route client against name servers over real sockets: a fake one
//! that counts lookups and serves routes the test sets, and the real one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ferrymq_client::{ClientConfig, QueueSelector, RouteClient, RouteError};
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::body::{BrokerData, QueueData, TopicRouteData};
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::{RequestCode, ResponseCode};
use ferrymq_remoting::server::{ConnectionInfo, HandlerError, Processor, Server};
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A name server whose routes the test sets, counting route lookups.
#[derive(Default)]
struct FakeNamesrv {
    routes: Mutex<HashMap<String, TopicRouteData>>,
    lookups: AtomicUsize,
}

impl Processor for FakeNamesrv {
    async fn process(
        &self,
        _: &ConnectionInfo,
        request: RemotingCommand,
    ) -> Result<RemotingCommand, HandlerError> {
        if request.code != RequestCode::GetRouteinfoByTopic.as_i32() {
            return Ok(RemotingCommand::not_supported(request.code));
        }
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let topic = request.ext("topic").unwrap_or_default();
        Ok(match self.routes.lock().get(topic) {
            // The legacy form, as a Java name server sends it to old clients.
            Some(route) => {
                RemotingCommand::success().with_body(json::to_vec(route, KeyStyle::Legacy))
            }
            None => RemotingCommand::response_with_remark(
                ResponseCode::TopicNotExist,
                format!("No topic route info in name server for the topic: {topic}"),
            ),
        })
    }
}

async fn start_fake() -> (Arc<FakeNamesrv>, String, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let fake = Arc::new(FakeNamesrv::default());
    let token = CancellationToken::new();
    tokio::spawn(Server::new(fake.clone()).serve(listener, token.clone()));
    (fake, addr, token)
}

fn route(groups: &[(&str, i32)]) -> TopicRouteData {
    let mut route = TopicRouteData::default();
    for (name, queues) in groups {
        route.broker_datas.push(BrokerData {
            broker_addrs: BTreeMap::from([(
                0,
                format!("10.0.0.1:{}", 10911 + route.broker_datas.len()),
            )]),
            broker_name: name.to_string(),
            cluster: "DefaultCluster".into(),
            ..Default::default()
        });
        route.queue_datas.push(QueueData {
            broker_name: name.to_string(),
            perm: 6,
            read_queue_nums: *queues,
            write_queue_nums: *queues,
            topic_sys_flag: 0,
        });
    }
    route
}

fn config(addrs: &str) -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_millis(500),
        ..ClientConfig::with_namesrv_addr(addrs)
    }
}

#[tokio::test]
async fn cache_hits_do_not_touch_the_network() {
    let (fake, addr, _token) = start_fake().await;
    fake.routes.lock().insert("t".into(), route(&[("a", 4)]));
    let client = RouteClient::new(config(&addr));
    let first = client.topic_route("t").await.unwrap();
    for _ in 0..100 {
        assert_eq!(client.topic_route("t").await.unwrap(), first);
    }
    assert_eq!(fake.lookups.load(Ordering::SeqCst), 1);
    assert_eq!(client.cached_topics(), ["t"]);
}

#[tokio::test]
async fn a_route_change_is_picked_up_by_the_next_refresh() {
    let (fake, addr, _token) = start_fake().await;
    fake.routes.lock().insert("t".into(), route(&[("a", 4)]));
    let client = RouteClient::new(ClientConfig {
        refresh_interval: Duration::from_millis(200),
        ..config(&addr)
    });
    let mut changes = client.changes();
    assert_eq!(client.publish_info("t").await.unwrap().queues.len(), 4);
    fake.routes
        .lock()
        .insert("t".into(), route(&[("a", 4), ("b", 2)]));
    let change = tokio::time::timeout(Duration::from_secs(3), changes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(change.topic, "t");
    assert_eq!(change.route.unwrap().broker_datas.len(), 2);
    assert_eq!(client.publish_info("t").await.unwrap().queues.len(), 6);
    // Unchanged routes make no noise.
    let quiet = tokio::time::timeout(Duration::from_millis(600), changes.recv()).await;
    assert!(quiet.is_err(), "no change reported for an unchanged route");
    // A topic that goes away is reported as gone.
    fake.routes.lock().remove("t");
    let gone = tokio::time::timeout(Duration::from_secs(3), changes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone.route, None);
}

#[tokio::test]
async fn a_name_server_that_is_down_is_skipped() {
    let (fake, addr, _token) = start_fake().await;
    fake.routes.lock().insert("t".into(), route(&[("a", 4)]));
    let dead = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let client = RouteClient::new(config(&format!("{dead};{addr}")));
    assert_eq!(
        client.topic_route("t").await.unwrap().queue_datas[0].write_queue_nums,
        4
    );
    client.refresh_topic("t").await.unwrap();
    assert_eq!(fake.lookups.load(Ordering::SeqCst), 2);

    let nowhere = RouteClient::new(config(&dead));
    assert!(matches!(
        nowhere.topic_route("t").await,
        Err(RouteError::Unreachable(_))
    ));
    let unconfigured = RouteClient::new(ClientConfig::default());
    assert!(matches!(
        unconfigured.topic_route("t").await,
        Err(RouteError::NoNameServer)
    ));
}

#[tokio::test]
async fn the_cached_route_survives_name_servers_going_away() {
    let (fake, addr, token) = start_fake().await;
    fake.routes.lock().insert("t".into(), route(&[("a", 4)]));
    let client = RouteClient::new(config(&addr));
    let before = client.topic_route("t").await.unwrap();
    token.cancel();
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.refresh_all().await;
    assert_eq!(client.topic_route("t").await.unwrap(), before);
}

#[tokio::test]
async fn a_missing_topic_falls_back_to_tbw102() {
    let (fake, addr, _token) = start_fake().await;
    fake.routes
        .lock()
        .insert("TBW102".into(), route(&[("a", 8), ("b", 8)]));
    let client = RouteClient::new(config(&addr));
    let error = client.topic_route("NewTopic").await.unwrap_err();
    assert!(error.is_topic_not_exist(), "{error}");
    let info = client.publish_info("NewTopic").await.unwrap();
    assert!(info.from_auto_create);
    assert_eq!(info.queues.len(), 8, "4 queues on each of 2 brokers");
    assert!(info.queues.iter().all(|q| q.topic == "NewTopic"));
    let selector = QueueSelector::new();
    assert_eq!(selector.select(&info, Some("a")).unwrap().broker_name, "b");

    fake.routes.lock().clear();
    let client = RouteClient::new(config(&addr));
    assert!(
        client
            .publish_info("NewTopic")
            .await
            .unwrap_err()
            .is_topic_not_exist()
    );
}

#[tokio::test]
async fn routes_from_the_real_name_server() {
    use ferrymq_namesrv::NameServer;
    use ferrymq_remoting::client::RemotingClient;
    use ferrymq_remoting::protocol::body::{RegisterBrokerBody, TopicConfig, body_crc32};
    use ferrymq_remoting::protocol::header::RegisterBrokerRequestHeader;

    let mut ns_config = ferrymq_namesrv::config::EffectiveConfig::default();
    ns_config.values.kv_config_path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("client-kv-{}.json", std::process::id()));
    let namesrv = NameServer::start(ns_config, TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let addr = namesrv.local_addr().to_string();
    let mut body = RegisterBrokerBody::default();
    body.topic_config_serialize_wrapper.topic_config_table.0 =
        vec![TopicConfig::new("real", 3), TopicConfig::new("TBW102", 8)];
    let bytes = body.encode_json();
    let header = RegisterBrokerRequestHeader {
        broker_name: "broker-a".into(),
        broker_addr: "127.0.0.1:10911".into(),
        cluster_name: "DefaultCluster".into(),
        ha_server_addr: "127.0.0.1:10912".into(),
        broker_id: 0,
        body_crc32: body_crc32(&bytes),
        ..Default::default()
    };
    let broker = RemotingClient::default();
    let request =
        RemotingCommand::request_with_header(RequestCode::RegisterBroker, &header).with_body(bytes);
    assert!(
        broker
            .invoke(&addr, request, Duration::from_secs(5))
            .await
            .unwrap()
            .is_success()
    );

    let client = RouteClient::new(config(&addr));
    let queues = client.subscribe_queues("real").await.unwrap();
    assert_eq!(queues.len(), 3);
    let info = client.publish_info("real").await.unwrap();
    assert_eq!(info.master_addr("broker-a"), Some("127.0.0.1:10911"));
}
