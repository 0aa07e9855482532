//! The broker against the project's name server, over real sockets.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::body::{KvTable, TopicConfigSerializeWrapper};
use ferrymq_remoting::protocol::json;
use ferrymq_remoting::protocol::{RequestCode, ResponseCode};
use ferrymq_remoting::server::{ConnectionInfo, HandlerError, Processor, Server};
use parking_lot::Mutex;
use tokio::net::TcpListener;

#[tokio::test]
async fn the_brokers_topics_are_routed_after_startup() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let client = RemotingClient::default();
    eventually("TBW102 is routed", WAIT, async || {
        route(&client, &ns_addr, "TBW102").await.is_some()
    })
    .await;
    let tbw = route(&client, &ns_addr, "TBW102").await.unwrap();
    assert_eq!(tbw.queue_datas[0].perm, 7);
    assert_eq!(tbw.queue_datas[0].write_queue_nums, 8);
    assert_eq!(
        tbw.broker_datas[0].broker_addrs[&0],
        broker.config().broker_addr()
    );
    for system in [
        "SELF_TEST_TOPIC",
        "DefaultCluster",
        "broker-a",
        "OFFSET_MOVED_EVENT",
    ] {
        assert!(route(&client, &ns_addr, system).await.is_some(), "{system}");
    }
}

#[tokio::test]
async fn created_topics_are_routed_within_a_second_and_deleted_ones_go() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let broker_addr = broker.local_addr().to_string();
    let client = RemotingClient::default();
    eventually("registered", WAIT, async || {
        route(&client, &ns_addr, "TBW102").await.is_some()
    })
    .await;

    let response = client
        .invoke(&broker_addr, create_topic("orders", 4, 6), WAIT)
        .await
        .unwrap();
    assert!(response.is_success(), "{:?}", response.remark);
    let created = Instant::now();
    eventually("orders is routed", Duration::from_secs(1), async || {
        route(&client, &ns_addr, "orders").await.is_some()
    })
    .await;
    assert!(created.elapsed() < Duration::from_secs(1));
    let orders = route(&client, &ns_addr, "orders").await.unwrap();
    assert_eq!(orders.queue_datas[0].write_queue_nums, 4);

    // Updating changes the route too.
    client
        .invoke(&broker_addr, create_topic("orders", 6, 6), WAIT)
        .await
        .unwrap();
    eventually("the update is routed", Duration::from_secs(1), async || {
        route(&client, &ns_addr, "orders")
            .await
            .is_some_and(|r| r.queue_datas[0].write_queue_nums == 6)
    })
    .await;

    // Deleting is two steps, as mqadmin deleteTopic does it.
    let delete =
        RemotingCommand::request(RequestCode::DeleteTopicInBroker).with_ext("topic", "orders");
    assert!(
        client
            .invoke(&broker_addr, delete, WAIT)
            .await
            .unwrap()
            .is_success()
    );
    assert!(broker.topics().get("orders").is_none());
    let delete_ns = RemotingCommand::request(RequestCode::DeleteTopicInNamesrv)
        .with_ext("topic", "orders")
        .with_ext("clusterName", "DefaultCluster");
    assert!(
        client
            .invoke(&ns_addr, delete_ns, WAIT)
            .await
            .unwrap()
            .is_success()
    );
    assert!(route(&client, &ns_addr, "orders").await.is_none());
    // The next registration does not bring it back: the broker no longer has it.
    broker.registrar().register_all(true).await;
    assert!(route(&client, &ns_addr, "orders").await.is_none());
}

#[tokio::test]
async fn invalid_topics_get_the_java_brokers_errors() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let addr = broker.local_addr().to_string();
    let client = RemotingClient::default();
    for (request, remark) in [
        (
            create_topic("bad topic", 4, 6),
            "contains illegal characters",
        ),
        (
            create_topic(&"t".repeat(128), 4, 6),
            "longer than topic max length: 127",
        ),
        (
            create_topic("TBW102", 4, 6),
            "The topic[TBW102] is conflict with system topic.",
        ),
        (create_topic("broker-a", 4, 6), "conflict with system topic"),
        (create_topic("zero", 0, 6), "readQueueNums: 0 is invalid"),
        (create_topic("huge", 1 << 30, 6), "is invalid"),
        (create_topic("perm", 4, 99), "perm: 99 is invalid"),
    ] {
        let response = client.invoke(&addr, request, WAIT).await.unwrap();
        assert_eq!(
            response.code,
            ResponseCode::InvalidParameter.as_i32(),
            "{remark}"
        );
        assert!(
            response.remark.as_deref().unwrap_or("").contains(remark),
            "{:?} lacks {remark}",
            response.remark
        );
    }
    let missing =
        RemotingCommand::request(RequestCode::UpdateAndCreateTopic).with_ext("topic", "t");
    let response = client.invoke(&addr, missing, WAIT).await.unwrap();
    assert_eq!(response.code, 1);
    assert!(response.remark.unwrap().contains("is null"));
    let system_delete = RemotingCommand::request(RequestCode::DeleteTopicInBroker)
        .with_ext("topic", "SELF_TEST_TOPIC");
    assert_eq!(
        client
            .invoke(&addr, system_delete, WAIT)
            .await
            .unwrap()
            .code,
        29
    );
    assert!(broker.topics().get("SELF_TEST_TOPIC").is_some());
}

#[tokio::test]
async fn message_requests_say_they_are_not_supported_yet() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let request = RemotingCommand::request(RequestCode::SendMessageV2).with_ext("b", "T");
    let response = RemotingClient::default()
        .invoke(&broker.local_addr().to_string(), request, WAIT)
        .await
        .unwrap();
    assert_eq!(response.code, 3);
    assert!(
        response
            .remark
            .unwrap()
            .contains("SEND_MESSAGE_V2 is not supported yet")
    );
}

#[tokio::test]
async fn admin_reads_topics_config_and_runtime_info() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let addr = broker.local_addr().to_string();
    let client = RemotingClient::default();
    let all = client
        .invoke(
            &addr,
            RemotingCommand::request(RequestCode::GetAllTopicConfig),
            WAIT,
        )
        .await
        .unwrap();
    let all: TopicConfigSerializeWrapper = json::from_slice(&all.body).unwrap();
    assert!(
        all.topic_config_table
            .0
            .iter()
            .any(|t| t.topic_name == "TBW102")
    );

    let config = client
        .invoke(
            &addr,
            RemotingCommand::request(RequestCode::GetBrokerConfig),
            WAIT,
        )
        .await
        .unwrap();
    let text = String::from_utf8(config.body.to_vec()).unwrap();
    assert!(text.contains("brokerName=broker-a\n"));
    assert!(config.ext("version").unwrap().contains("counter"));

    let info = client
        .invoke(
            &addr,
            RemotingCommand::request(RequestCode::GetBrokerRuntimeInfo),
            WAIT,
        )
        .await
        .unwrap();
    let info: KvTable = json::from_slice(&info.body).unwrap();
    assert_eq!(info.table["brokerVersionDesc"], "V5_3_3");
    assert_eq!(info.table["brokerActive"], "true");
    for key in [
        "putTps",
        "getTransferredTps",
        "sendThreadPoolQueueSize",
        "commitLogDiskRatio",
        "pageCacheLockTimeMills",
    ] {
        assert!(info.table.contains_key(key), "{key}");
    }

    let one = RemotingCommand::request(RequestCode::GetTopicConfig).with_ext("topic", "TBW102");
    assert!(client.invoke(&addr, one, WAIT).await.unwrap().is_success());
    let none = RemotingCommand::request(RequestCode::GetTopicConfig).with_ext("topic", "nope");
    assert_eq!(client.invoke(&addr, none, WAIT).await.unwrap().code, 17);
}

#[tokio::test]
async fn clients_heartbeat_and_unregister() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let addr = broker.local_addr().to_string();
    let client = RemotingClient::default();
    let heartbeat = RemotingCommand::request(RequestCode::HeartBeat).with_body(
        &br#"{"clientID":"10.0.0.9@1","consumerDataSet":[{"groupName":"g1","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionDataSet":[]}],"producerDataSet":[]}"#[..],
    );
    assert!(
        client
            .invoke(&addr, heartbeat, WAIT)
            .await
            .unwrap()
            .is_success()
    );
    let list = RemotingCommand::request(RequestCode::GetConsumerListByGroup)
        .with_ext("consumerGroup", "g1");
    let response = client.invoke(&addr, list.clone(), WAIT).await.unwrap();
    assert_eq!(
        std::str::from_utf8(&response.body).unwrap(),
        r#"{"consumerIdList":["10.0.0.9@1"]}"#
    );
    let unregister = RemotingCommand::request(RequestCode::UnregisterClient)
        .with_ext("clientID", "10.0.0.9@1")
        .with_ext("consumerGroup", "g1");
    assert!(
        client
            .invoke(&addr, unregister, WAIT)
            .await
            .unwrap()
            .is_success()
    );
    let response = client.invoke(&addr, list, WAIT).await.unwrap();
    assert_eq!(
        std::str::from_utf8(&response.body).unwrap(),
        r#"{"consumerIdList":[]}"#
    );
    let bad = RemotingCommand::request(RequestCode::HeartBeat).with_body(&b"not json"[..]);
    assert_eq!(client.invoke(&addr, bad, WAIT).await.unwrap().code, 1);
}

#[tokio::test]
async fn shutdown_unregisters_at_once() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let client = RemotingClient::default();
    eventually("registered", WAIT, async || {
        route(&client, &ns_addr, "TBW102").await.is_some()
    })
    .await;
    broker.stop().await;
    assert!(
        route(&client, &ns_addr, "TBW102").await.is_none(),
        "gone as soon as stop returns"
    );
}

#[tokio::test]
async fn a_slave_learns_its_master() {
    let (_ns, ns_addr) = start_namesrv().await;
    let master = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let client = RemotingClient::default();
    eventually("master registered", WAIT, async || {
        route(&client, &ns_addr, "TBW102").await.is_some()
    })
    .await;
    let slave = start_broker(broker_config("broker-a", 1, &ns_addr)).await;
    let master_addr = master.config().broker_addr();
    eventually("the slave knows its master", WAIT, async || {
        slave.registrar().master().master_addr.as_deref() == Some(master_addr.as_str())
    })
    .await;
    assert_eq!(
        slave.registrar().master().ha_server_addr,
        Some(master.config().ha_server_addr())
    );
    let tbw = route(&client, &ns_addr, "TBW102").await.unwrap();
    assert_eq!(tbw.broker_datas[0].broker_addrs.len(), 2);
}

#[tokio::test]
async fn broker_permission_changes_show_in_routes() {
    let (_ns, ns_addr) = start_namesrv().await;
    let broker = start_broker(broker_config("broker-a", 0, &ns_addr)).await;
    let addr = broker.local_addr().to_string();
    let client = RemotingClient::default();
    client
        .invoke(&addr, create_topic("orders", 4, 6), WAIT)
        .await
        .unwrap();
    eventually("orders routed", WAIT, async || {
        route(&client, &ns_addr, "orders").await.is_some()
    })
    .await;
    let perm = async |client: &RemotingClient| {
        route(client, &ns_addr, "orders").await.unwrap().queue_datas[0].perm
    };
    for (broker_permission, expected) in [(4, 4), (6, 6)] {
        let update = RemotingCommand::request(RequestCode::UpdateBrokerConfig)
            .with_body(format!("brokerPermission={broker_permission}\n"));
        assert!(
            client
                .invoke(&addr, update, WAIT)
                .await
                .unwrap()
                .is_success()
        );
        eventually(
            "the route shows the broker's permission",
            WAIT,
            async || perm(&client).await == expected,
        )
        .await;
    }
    let refused = RemotingCommand::request(RequestCode::UpdateBrokerConfig)
        .with_body(&b"brokerConfigPath=/x\n"[..]);
    assert_eq!(client.invoke(&addr, refused, WAIT).await.unwrap().code, 16);
    let bad = RemotingCommand::request(RequestCode::UpdateBrokerConfig)
        .with_body(&b"brokerPermission=99\n"[..]);
    assert_eq!(client.invoke(&addr, bad, WAIT).await.unwrap().code, 1);
}

#[tokio::test]
async fn compressed_and_version_checked_registrations_work() {
    let (_ns, ns_addr) = start_namesrv().await;
    let mut config = broker_config("broker-a", 0, &ns_addr);
    config.values.compressed_register = true;
    config.values.force_register = false;
    let broker = start_broker(config).await;
    let client = RemotingClient::default();
    eventually("registered compressed", WAIT, async || {
        route(&client, &ns_addr, "TBW102").await.is_some()
    })
    .await;
    let report = broker.registrar().register_all(false).await;
    assert_eq!(
        report.up_to_date,
        std::slice::from_ref(&ns_addr),
        "the name server already has this version"
    );
    assert!(report.registered.is_empty());
    broker
        .topics()
        .upsert(ferrymq_remoting::protocol::body::TopicConfig::new(
            "fresh", 2,
        ))
        .unwrap();
    let report = broker.registrar().register_all(false).await;
    assert_eq!(
        report.registered,
        std::slice::from_ref(&ns_addr),
        "a new version is registered"
    );
    assert!(route(&client, &ns_addr, "fresh").await.is_some());
}

/// Records every request, answering success.
#[derive(Default)]
struct Recorder {
    requests: Mutex<Vec<RemotingCommand>>,
}

impl Processor for Recorder {
    async fn process(
        &self,
        _: &ConnectionInfo,
        request: RemotingCommand,
    ) -> Result<RemotingCommand, HandlerError> {
        self.requests.lock().push(request);
        Ok(RemotingCommand::success())
    }
}

#[tokio::test]
async fn the_registration_has_the_shape_of_a_real_brokers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_ns = listener.local_addr().unwrap().to_string();
    let recorder = Arc::new(Recorder::default());
    let token = tokio_util::sync::CancellationToken::new();
    tokio::spawn(Server::new(recorder.clone()).serve(listener, token.clone()));
    let broker = start_broker(broker_config("broker-a", 0, &fake_ns)).await;
    eventually("a registration arrives", WAIT, async || {
        !recorder.requests.lock().is_empty()
    })
    .await;
    let ours = recorder.requests.lock()[0].clone();
    broker.stop().await;
    let last = recorder.requests.lock().last().cloned().unwrap();
    assert_eq!(
        last.code,
        RequestCode::UnregisterBroker.as_i32(),
        "shutdown unregisters explicitly"
    );
    assert_eq!(last.ext("brokerName"), Some("broker-a"));

    let fixtures =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../remoting/tests/fixtures/captures");
    let real_ext: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("broker-register.ext.json")).unwrap(),
    )
    .unwrap();
    let real_body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures.join("broker-register.body.bin")).unwrap())
            .unwrap();

    assert_eq!(ours.code, 103);
    // Header: the real 4.9.8 broker's fields, plus the one every 5.x broker adds.
    let mut expected_keys: Vec<&str> = real_ext.keys().map(String::as_str).collect();
    expected_keys.push("enableActingMaster");
    expected_keys.sort_unstable();
    let our_keys: Vec<&str> = ours.ext_fields.keys().map(String::as_str).collect();
    assert_eq!(our_keys, expected_keys);
    assert_eq!(ours.ext("compressed"), Some("false"));
    assert_eq!(
        ours.ext("bodyCrc32").unwrap().parse::<i32>().unwrap(),
        ferrymq_remoting::protocol::body::body_crc32(&ours.body)
    );

    // Body: the same fields with the same JSON types, down to each topic.
    let our_body: serde_json::Value = serde_json::from_slice(&ours.body).unwrap();
    assert_same_shape(&our_body, &real_body, "body");
    let our_topics = our_body["topicConfigSerializeWrapper"]["topicConfigTable"]
        .as_object()
        .unwrap();
    let real_topics = real_body["topicConfigSerializeWrapper"]["topicConfigTable"]
        .as_object()
        .unwrap();
    for name in [
        "TBW102",
        "SELF_TEST_TOPIC",
        "DefaultCluster",
        "broker-a",
        "OFFSET_MOVED_EVENT",
        "SCHEDULE_TOPIC_XXXX",
    ] {
        assert_eq!(
            our_topics[name], real_topics[name],
            "topic {name} as a 4.9.8 broker registers it"
        );
    }
    token.cancel();
}

/// Same object keys (ours may add 5.x's `stateVersion`) and value types, recursively
/// through objects whose keys are field names.
fn assert_same_shape(ours: &serde_json::Value, real: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (ours, real) {
        (Value::Object(ours), Value::Object(real))
            if path != "body.topicConfigSerializeWrapper.topicConfigTable" =>
        {
            let mut our_keys: Vec<&String> = ours.keys().filter(|k| *k != "stateVersion").collect();
            let mut real_keys: Vec<&String> = real.keys().collect();
            our_keys.sort();
            real_keys.sort();
            assert_eq!(our_keys, real_keys, "fields of {path}");
            for (key, value) in real {
                assert_same_shape(&ours[key], value, &format!("{path}.{key}"));
            }
        }
        (Value::Object(_), Value::Object(_)) => {}
        (ours, real) => assert_eq!(
            std::mem::discriminant(ours),
            std::mem::discriminant(real),
            "type of {path}: {ours} vs {real}"
        ),
    }
}
