//! Every request code over a real socket, with the Java name server's
//! request-level acceptance scenarios (section 8, items 1 to 14).

mod common;

use std::time::Duration;

use common::*;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::body::{
    ClusterInfo, DataVersion, GetBrokerMemberGroupResponseBody, KvTable, QueueData,
    RegisterBrokerBody, TopicList, TopicRouteData, body_crc32,
};
use ferrymq_remoting::protocol::header::*;
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::{RequestCode, ResponseCode};

fn kv_put(namespace: &str, key: &str, value: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        RequestCode::PutKvConfig,
        &PutKvConfigRequestHeader {
            namespace: namespace.into(),
            key: key.into(),
            value: value.into(),
        },
    )
}

fn kv_key(code: RequestCode, namespace: &str, key: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        code,
        &KvConfigKeyRequestHeader {
            namespace: namespace.into(),
            key: key.into(),
        },
    )
}

fn route_request(topic: &str, version: i32) -> RemotingCommand {
    let mut request = RemotingCommand::request_with_header(
        RequestCode::GetRouteinfoByTopic,
        &GetRouteInfoRequestHeader {
            topic: topic.into(),
            ..Default::default()
        },
    );
    request.version = version;
    request
}

#[tokio::test]
async fn s1_to_s4_kv_config_put_get_delete() {
    let (_server, addr) = start(test_config("kv")).await;
    let client = RemotingClient::default();
    let put = call(&client, &addr, kv_put("namespace", "key", "value")).await;
    assert_eq!((put.code, put.remark.as_deref()), (0, None));
    let got = call(
        &client,
        &addr,
        kv_key(RequestCode::GetKvConfig, "namespace", "key"),
    )
    .await;
    assert_eq!(got.code, 0);
    assert_eq!(got.ext("value"), Some("value"));
    let missing = call(
        &client,
        &addr,
        kv_key(RequestCode::GetKvConfig, "namespace", "nope"),
    )
    .await;
    assert_eq!(missing.code, ResponseCode::QueryNotFound.as_i32());
    assert_eq!(
        missing.remark.as_deref(),
        Some("No config item, Namespace: namespace Key: nope")
    );
    assert_eq!(missing.ext("value"), None);
    let deleted = call(
        &client,
        &addr,
        kv_key(RequestCode::DeleteKvConfig, "namespace", "key"),
    )
    .await;
    assert_eq!(deleted.code, 0);
    let gone = call(
        &client,
        &addr,
        kv_key(RequestCode::GetKvConfig, "namespace", "key"),
    )
    .await;
    assert_eq!(gone.code, 22);
}

#[tokio::test]
async fn s1_kv_config_missing_fields_are_system_errors() {
    let (_server, addr) = start(test_config("kv-missing")).await;
    let client = RemotingClient::default();
    let request = RemotingCommand::request(RequestCode::PutKvConfig).with_ext("namespace", "n");
    let response = call(&client, &addr, request).await;
    assert_eq!(response.code, 1);
    assert_eq!(
        response.remark.as_deref(),
        Some("the custom field <key> is null")
    );
}

#[tokio::test]
async fn s5_unknown_codes_are_not_supported() {
    let (_server, addr) = start(test_config("unknown")).await;
    let response = call(
        &RemotingClient::default(),
        &addr,
        RemotingCommand::request(99_999),
    )
    .await;
    assert_eq!(response.code, 3);
    assert_eq!(
        response.remark.as_deref(),
        Some(" request type 99999 not supported")
    );
}

#[tokio::test]
async fn s6_update_config_respects_the_blacklist() {
    let config = test_config("update");
    let store = config.values.config_store_path.clone();
    let (_server, addr) = start(config).await;
    let client = RemotingClient::default();
    let update = |body: &str| {
        RemotingCommand::request(RequestCode::UpdateNamesrvConfig).with_body(body.to_owned())
    };
    let ok = call(&client, &addr, update("enableTopicList=false\n")).await;
    assert_eq!(ok.code, 0);
    let listed = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetTopicsByCluster).with_ext("cluster", "c"),
    )
    .await;
    assert_eq!(
        (listed.code, listed.remark.as_deref()),
        (1, Some("disable")),
        "the update took effect"
    );
    assert!(
        std::fs::read_to_string(&store)
            .unwrap()
            .contains("enableTopicList=false\n"),
        "and was saved"
    );
    for key in ["configStorePath", "kvConfigPath", "configBlackList"] {
        let refused = call(&client, &addr, update(&format!("{key}=/tmp/x\n"))).await;
        assert_eq!(refused.code, 16, "{key}");
        assert!(
            refused
                .remark
                .unwrap()
                .contains("Can not update config in black list")
        );
    }
    let bad = call(&client, &addr, update("listenPort=not-a-port\n")).await;
    assert_eq!(bad.code, 1);
    assert!(bad.remark.unwrap().contains("listenPort"));
    let empty = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::UpdateNamesrvConfig),
    )
    .await;
    assert_eq!(empty.code, 0);
    let shown = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetNamesrvConfig),
    )
    .await;
    let text = String::from_utf8(shown.body.to_vec()).unwrap();
    assert!(text.contains("enableTopicList=false\n"));
    assert!(
        text.contains("listenPort=9876\n"),
        "the bad update changed nothing"
    );
}

#[tokio::test]
async fn s7_register_broker_old_and_new_body_forms() {
    let (server, addr) = start(test_config("register")).await;
    let client = RemotingClient::default();
    let body = register_body(1, &["t1", "t2"]);
    // Version 0: the body is the bare topic wrapper.
    let bare = json::to_vec(&body.topic_config_serialize_wrapper, KeyStyle::Standard);
    let mut old = register_request("cluster", "broker", 2333, "10.10.1.1", &body);
    old.version = 0;
    old.ext_fields
        .insert("bodyCrc32".into(), body_crc32(&bare).to_string());
    old.body = bare.into();
    let response = call(&client, &addr, old).await;
    assert_eq!(response.code, 0, "{:?}", response.remark);
    let info = server.routes().cluster_info();
    assert_eq!(
        info.broker_addr_table["broker"].broker_addrs[&2333],
        "10.10.1.1"
    );

    let mut new = register_request("cluster", "broker", 2333, "10.10.1.1", &body);
    new.version = 100;
    assert_eq!(call(&client, &addr, new).await.code, 0);
}

#[tokio::test]
async fn s7_a_wrong_crc_is_refused() {
    let (server, addr) = start(test_config("crc")).await;
    let mut request = register_request(
        "c",
        "b",
        0,
        "10.0.0.1:10911",
        &register_body(1, &["t1", "t2"]),
    );
    request
        .ext_fields
        .insert("bodyCrc32".into(), "12345".into());
    let response = call(&RemotingClient::default(), &addr, request).await;
    assert_eq!(
        (response.code, response.remark.as_deref()),
        (1, Some("crc32 not match"))
    );
    assert!(server.routes().cluster_info().broker_addr_table.is_empty());
}

#[tokio::test]
async fn register_broker_accepts_the_compressed_form() {
    let (server, addr) = start(test_config("compressed")).await;
    let body = register_body(1, &["t1", "t2"]);
    for version in [409, 479] {
        let bytes = body.encode_compressed(version);
        let mut request = register_request("c", "b", 0, "10.0.0.1:10911", &body);
        request.version = version;
        request
            .ext_fields
            .insert("compressed".into(), "true".into());
        request
            .ext_fields
            .insert("bodyCrc32".into(), body_crc32(&bytes).to_string());
        request.body = bytes.into();
        let response = call(&RemotingClient::default(), &addr, request).await;
        assert_eq!(response.code, 0, "{:?}", response.remark);
    }
    assert_eq!(server.routes().all_topics().topic_list, ["t1", "t2"]);
}

#[tokio::test]
async fn a_malformed_registration_body_is_a_clear_error() {
    let (server, addr) = start(test_config("malformed")).await;
    let mut request = register_request(
        "c",
        "b",
        0,
        "10.0.0.1:10911",
        &RegisterBrokerBody::default(),
    );
    request.ext_fields.insert("bodyCrc32".into(), "0".into());
    request.body = b"{\"topicConfigSerializeWrapper\":[".to_vec().into();
    let response = call(&RemotingClient::default(), &addr, request).await;
    assert_eq!(response.code, 1);
    assert!(
        response
            .remark
            .unwrap()
            .contains("malformed registration body")
    );
    assert!(server.routes().cluster_info().broker_addr_table.is_empty());
}

#[tokio::test]
async fn s8_unregister_broker() {
    let (server, addr) = start(test_config("unregister")).await;
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
    let header = BrokerIdentityRequestHeader {
        broker_name: "b".into(),
        broker_addr: "10.0.0.1:10911".into(),
        cluster_name: "c".into(),
        broker_id: 0,
    };
    let response = call(
        &client,
        &addr,
        RemotingCommand::request_with_header(RequestCode::UnregisterBroker, &header),
    )
    .await;
    assert_eq!(response.code, 0);
    assert!(server.routes().all_topics().topic_list.is_empty());
}

#[tokio::test]
async fn s9_all_topic_list_can_be_disabled() {
    let mut config = test_config("alltopics");
    let (_server, addr) = start(config.clone()).await;
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
    let response = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetAllTopicListFromNameserver),
    )
    .await;
    assert_eq!(response.code, 0);
    let list: TopicList = json::from_slice(&response.body).unwrap();
    assert_eq!(list.topic_list, ["t1", "t2"]);

    config.values.enable_all_topic_list = false;
    let (_disabled, addr) = start(config).await;
    let response = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetAllTopicListFromNameserver),
    )
    .await;
    assert_eq!(
        (response.code, response.remark.as_deref()),
        (1, Some("disable"))
    );
}

#[tokio::test]
async fn s10_routes_for_known_and_unknown_topics() {
    let (_server, addr) = start(test_config("route")).await;
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
    let found = call(&client, &addr, route_request("t1", 409)).await;
    assert_eq!(found.code, 0);
    let route: TopicRouteData = json::from_slice(&found.body).unwrap();
    assert_eq!(route.queue_datas[0].write_queue_nums, 4);
    let text = std::str::from_utf8(&found.body).unwrap();
    assert!(
        text.contains(r#""brokerAddrs":{"0":"10.0.0.1:10911"}"#),
        "version 409: standard JSON: {text}"
    );
    let legacy = call(&client, &addr, route_request("t1", 121)).await;
    let text = std::str::from_utf8(&legacy.body).unwrap();
    assert!(
        text.contains(r#""brokerAddrs":{0:"10.0.0.1:10911"}"#),
        "version 121: bare keys: {text}"
    );
    let mut asked = route_request("t1", 121);
    asked
        .ext_fields
        .insert("acceptStandardJsonOnly".into(), "true".into());
    let standard = call(&client, &addr, asked).await;
    assert!(
        std::str::from_utf8(&standard.body)
            .unwrap()
            .contains(r#"{"0":"#)
    );

    let missing = call(&client, &addr, route_request("nope", 409)).await;
    assert_eq!(missing.code, 17);
    assert!(missing.body.is_empty());
    assert_eq!(
        missing.remark.as_deref(),
        Some(
            "No topic route info in name server for the topic: nope\nSee http://rocketmq.apache.org/docs/faq/ for further details."
        )
    );
}

#[tokio::test]
async fn s11_every_admin_code_answers() {
    let (_server, addr) = start(test_config("codes")).await;
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
    let identity = BrokerIdentityRequestHeader {
        broker_name: "b".into(),
        broker_addr: "10.0.0.1:10911".into(),
        cluster_name: "c".into(),
        broker_id: 0,
    };
    let version = json::to_vec(&DataVersion::ZERO, KeyStyle::Standard);
    let requests = [
        RemotingCommand::request(RequestCode::GetBrokerClusterInfo),
        RemotingCommand::request_with_header(RequestCode::QueryDataVersion, &identity)
            .with_body(version),
        RemotingCommand::request(RequestCode::GetBrokerMemberGroup)
            .with_ext("clusterName", "c")
            .with_ext("brokerName", "b"),
        RemotingCommand::request(RequestCode::BrokerHeartbeat)
            .with_ext("clusterName", "c")
            .with_ext("brokerAddr", "10.0.0.1:10911")
            .with_ext("brokerName", "b"),
        RemotingCommand::request(RequestCode::AddWritePermOfBroker).with_ext("brokerName", "b"),
        RemotingCommand::request(RequestCode::WipeWritePermOfBroker).with_ext("brokerName", "b"),
        RemotingCommand::request(RequestCode::GetAllTopicListFromNameserver),
        RemotingCommand::request(RequestCode::DeleteTopicInNamesrv).with_ext("topic", "zzz"),
        RemotingCommand::request(RequestCode::GetTopicsByCluster).with_ext("cluster", "c"),
        RemotingCommand::request(RequestCode::GetSystemTopicListFromNs),
        RemotingCommand::request(RequestCode::GetUnitTopicList),
        RemotingCommand::request(RequestCode::GetHasUnitSubTopicList),
        RemotingCommand::request(RequestCode::GetHasUnitSubUnunitTopicList),
        RemotingCommand::request(RequestCode::UpdateNamesrvConfig)
            .with_body(&b"someUnknownKey=1"[..]),
        RemotingCommand::request(RequestCode::GetNamesrvConfig),
    ];
    for request in requests {
        let code = request.code;
        let response = call(&client, &addr, request).await;
        assert_eq!(response.code, 0, "code {code}: {:?}", response.remark);
    }
}

#[tokio::test]
async fn admin_responses_carry_their_fields() {
    let (_server, addr) = start(test_config("fields")).await;
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
    let wiped = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::WipeWritePermOfBroker).with_ext("brokerName", "b"),
    )
    .await;
    assert_eq!(wiped.ext("wipeTopicCount"), Some("2"));
    let added = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::AddWritePermOfBroker).with_ext("brokerName", "b"),
    )
    .await;
    assert_eq!(added.ext("addTopicCount"), Some("2"));

    let info = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetBrokerClusterInfo),
    )
    .await;
    assert!(
        std::str::from_utf8(&info.body)
            .unwrap()
            .contains(r#"{0:"10.0.0.1:10911"}"#),
        "cluster info uses bare keys"
    );
    let info: ClusterInfo = json::from_slice(&info.body).unwrap();
    assert!(info.cluster_addr_table["c"].contains("b"));

    let group = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetBrokerMemberGroup)
            .with_ext("clusterName", "c")
            .with_ext("brokerName", "b"),
    )
    .await;
    let group: GetBrokerMemberGroupResponseBody = json::from_slice(&group.body).unwrap();
    assert_eq!(group.broker_member_group.broker_addrs[&0], "10.0.0.1:10911");

    let identity = BrokerIdentityRequestHeader {
        broker_name: "b".into(),
        broker_addr: "10.0.0.1:10911".into(),
        cluster_name: "c".into(),
        broker_id: 0,
    };
    let same = json::to_vec(
        &register_body(1, &[])
            .topic_config_serialize_wrapper
            .data_version,
        KeyStyle::Standard,
    );
    let unchanged = call(
        &client,
        &addr,
        RemotingCommand::request_with_header(RequestCode::QueryDataVersion, &identity)
            .with_body(same),
    )
    .await;
    assert_eq!(unchanged.ext("changed"), Some("false"));
    let stored: DataVersion = json::from_slice(&unchanged.body).unwrap();
    assert_eq!(stored.counter, 1);
    let newer = json::to_vec(
        &register_body(2, &[])
            .topic_config_serialize_wrapper
            .data_version,
        KeyStyle::Standard,
    );
    let changed = call(
        &client,
        &addr,
        RemotingCommand::request_with_header(RequestCode::QueryDataVersion, &identity)
            .with_body(newer),
    )
    .await;
    assert_eq!(changed.ext("changed"), Some("true"));

    let system = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetSystemTopicListFromNs),
    )
    .await;
    let system: TopicList = json::from_slice(&system.body).unwrap();
    assert_eq!(system.topic_list, ["b", "c"]);
    assert_eq!(system.broker_addr.as_deref(), Some("10.0.0.1:10911"));

    let by_cluster = call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::GetTopicsByCluster).with_ext("cluster", "c"),
    )
    .await;
    let by_cluster: TopicList = json::from_slice(&by_cluster.body).unwrap();
    assert_eq!(by_cluster.topic_list, ["t1", "t2"]);

    call(
        &client,
        &addr,
        RemotingCommand::request(RequestCode::DeleteTopicInNamesrv).with_ext("topic", "t1"),
    )
    .await;
    assert_eq!(
        call(&client, &addr, route_request("t1", 409)).await.code,
        17
    );
}

#[tokio::test]
async fn register_topic_in_namesrv_adds_queues() {
    let (_server, addr) = start(test_config("regtopic")).await;
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
    let route = TopicRouteData {
        queue_datas: vec![QueueData {
            broker_name: "b".into(),
            perm: 6,
            read_queue_nums: 2,
            write_queue_nums: 2,
            topic_sys_flag: 0,
        }],
        ..Default::default()
    };
    let request = RemotingCommand::request(RequestCode::RegisterTopicInNamesrv)
        .with_ext("topic", "single")
        .with_body(json::to_vec(&route, KeyStyle::Standard));
    assert_eq!(call(&client, &addr, request).await.code, 0);
    let found = call(&client, &addr, route_request("single", 409)).await;
    let found: TopicRouteData = json::from_slice(&found.body).unwrap();
    assert_eq!(found.queue_datas[0].write_queue_nums, 2);
}

#[tokio::test]
async fn s12_kv_list_by_namespace() {
    let (_server, addr) = start(test_config("kvlist")).await;
    let client = RemotingClient::default();
    let list =
        || RemotingCommand::request(RequestCode::GetKvlistByNamespace).with_ext("namespace", "ns");
    let missing = call(&client, &addr, list()).await;
    assert_eq!(
        (missing.code, missing.remark.as_deref()),
        (22, Some("No config item, Namespace: ns"))
    );
    call(&client, &addr, kv_put("ns", "k", "v")).await;
    let found = call(&client, &addr, list()).await;
    assert_eq!(found.code, 0);
    let table: KvTable = json::from_slice(&found.body).unwrap();
    assert_eq!(table.table["k"], "v");
}

#[tokio::test]
async fn s14_need_wait_for_service() {
    let mut config = test_config("wait");
    config.values.need_wait_for_service = true;
    config.values.wait_seconds_for_service = 1;
    let (_server, addr) = start(config).await;
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
    let early = call(&client, &addr, route_request("t1", 409)).await;
    assert_eq!(
        (early.code, early.remark.as_deref()),
        (1, Some("name server not ready"))
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(call(&client, &addr, route_request("t1", 409)).await.code, 0);

    let (_server, addr) = start(test_config("nowait")).await;
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
    assert_eq!(call(&client, &addr, route_request("t1", 409)).await.code, 0);
}

#[tokio::test]
async fn slaves_get_their_master_and_brokers_get_order_config() {
    let (_server, addr) = start(test_config("slave")).await;
    let client = RemotingClient::default();
    call(&client, &addr, kv_put("ORDER_TOPIC_CONFIG", "t1", "b:4")).await;
    let master = call(
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
    assert_eq!(master.ext("masterAddr"), None);
    let table: KvTable = json::from_slice(&master.body).unwrap();
    assert_eq!(table.table["t1"], "b:4", "order config returned to brokers");
    let slave = call(
        &client,
        &addr,
        register_request(
            "c",
            "b",
            1,
            "10.0.0.2:10911",
            &register_body(1, &["t1", "t2"]),
        ),
    )
    .await;
    assert_eq!(slave.ext("masterAddr"), Some("10.0.0.1:10911"));
    assert_eq!(slave.ext("haServerAddr"), Some("10.0.0.1:10912"));
}

#[tokio::test]
async fn order_topic_conf_appears_in_routes_when_enabled() {
    let mut config = test_config("order");
    config.values.order_message_enable = true;
    let (_server, addr) = start(config).await;
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
    let before: TopicRouteData =
        json::from_slice(&call(&client, &addr, route_request("t1", 409)).await.body).unwrap();
    assert_eq!(before.order_topic_conf, None);
    call(&client, &addr, kv_put("ORDER_TOPIC_CONFIG", "t1", "b:4")).await;
    let after: TopicRouteData =
        json::from_slice(&call(&client, &addr, route_request("t1", 409)).await.body).unwrap();
    assert_eq!(
        after.order_topic_conf.as_deref(),
        Some("b:4"),
        "a KV change reaches cached routes"
    );
}

#[tokio::test]
async fn zone_mode_filters_routes() {
    let (_server, addr) = start(test_config("zone")).await;
    let client = RemotingClient::default();
    for (name, ip, zone) in [("a", "10.0.0.1", "zone1"), ("b", "10.0.0.2", "zone2")] {
        let mut request = register_request(
            "c",
            name,
            0,
            &format!("{ip}:10911"),
            &register_body(1, &["t1", "t2"]),
        );
        request.ext_fields.insert("__ZONE_NAME".into(), zone.into());
        call(&client, &addr, request).await;
    }
    let mut request = route_request("t1", 409);
    request
        .ext_fields
        .insert("__ZONE_MODE".into(), "true".into());
    request
        .ext_fields
        .insert("__ZONE_NAME".into(), "zone1".into());
    let zoned: TopicRouteData =
        json::from_slice(&call(&client, &addr, request).await.body).unwrap();
    assert_eq!(zoned.broker_datas.len(), 1);
    assert_eq!(zoned.broker_datas[0].zone_name.as_deref(), Some("zone1"));
    let all: TopicRouteData =
        json::from_slice(&call(&client, &addr, route_request("t1", 409)).await.body).unwrap();
    assert_eq!(all.broker_datas.len(), 2);
}

#[tokio::test]
async fn kv_config_survives_a_restart() {
    let config = test_config("restart");
    let (server, addr) = start(config.clone()).await;
    let client = RemotingClient::default();
    call(&client, &addr, kv_put("ns", "k", "v")).await;
    server.stop().await;
    let (_again, addr) = start(config).await;
    let got = call(&client, &addr, kv_key(RequestCode::GetKvConfig, "ns", "k")).await;
    assert_eq!(got.ext("value"), Some("v"));
}

#[tokio::test]
async fn binary_requests_get_binary_responses() {
    let (_server, addr) = start(test_config("binary")).await;
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
    let mut request = route_request("t1", 317);
    request.serialize_type = ferrymq_remoting::protocol::SerializeType::RocketMq;
    let response = call(&client, &addr, request).await;
    assert_eq!(
        response.serialize_type,
        ferrymq_remoting::protocol::SerializeType::RocketMq
    );
    assert_eq!(response.code, 0);
}

#[tokio::test]
async fn s13_cluster_test_mode_answers_unknown_routes_with_17() {
    let mut config = test_config("clustertest");
    config.values.cluster_test = true;
    let (_server, addr) = start(config).await;
    let response = call(
        &RemotingClient::default(),
        &addr,
        route_request("nope", 409),
    )
    .await;
    assert_eq!(response.code, 17);
    assert!(response.body.is_empty());
    assert!(response.remark.unwrap().contains("No topic route info"));
}

#[tokio::test]
async fn s40_zone_mode_needs_both_fields() {
    let (_server, addr) = start(test_config("zone-off")).await;
    let client = RemotingClient::default();
    for (name, ip, zone) in [("a", "10.0.0.1", "zone1"), ("b", "10.0.0.2", "zone2")] {
        let mut request = register_request(
            "c",
            name,
            0,
            &format!("{ip}:10911"),
            &register_body(1, &["t1", "t2"]),
        );
        request.ext_fields.insert("__ZONE_NAME".into(), zone.into());
        call(&client, &addr, request).await;
    }
    for (mode, zone) in [
        (Some("false"), Some("zone1")),
        (None, Some("zone1")),
        (Some("true"), Some(" ")),
        (Some("true"), None),
    ] {
        let mut request = route_request("t1", 409);
        if let Some(mode) = mode {
            request.ext_fields.insert("__ZONE_MODE".into(), mode.into());
        }
        if let Some(zone) = zone {
            request.ext_fields.insert("__ZONE_NAME".into(), zone.into());
        }
        let route: TopicRouteData =
            json::from_slice(&call(&client, &addr, request).await.body).unwrap();
        assert_eq!(
            route.broker_datas.len(),
            2,
            "no filtering for mode {mode:?} zone {zone:?}"
        );
    }
}
