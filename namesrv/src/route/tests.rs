//! The route-table scenarios of the Java name server's own tests
//! (RouteInfoManager*Test), as unit tests on the table. Numbers in test
//! names refer to the acceptance list in the protocol reference, section 8.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferrymq_remoting::protocol::KeyStyle;
use ferrymq_remoting::protocol::body::{
    DataVersion, QueueData, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper,
    TopicConfigTable, TopicQueueMappingInfo, TopicRouteData,
};
use ferrymq_remoting::server::ConnectionId;

use super::*;

const CLUSTER: &str = "DefaultCluster";
const MASTER: &str = "127.0.0.1:10911";
const SLAVE: &str = "127.0.0.1:30911";

fn table() -> RouteTable {
    RouteTable::new(RouteSettings::default())
}

fn acting_table() -> RouteTable {
    RouteTable::new(RouteSettings {
        support_acting_master: true,
        ..Default::default()
    })
}

fn registration(name: &str, id: i64, addr: &str) -> BrokerRegistration {
    BrokerRegistration {
        cluster: CLUSTER.into(),
        addr: addr.into(),
        name: name.into(),
        id,
        ha_server_addr: format!("{addr}-ha"),
        ..Default::default()
    }
}

fn acting(mut registration: BrokerRegistration) -> BrokerRegistration {
    registration.enable_acting_master = Some(true);
    registration
}

/// A full registration: like the tables of real brokers, it always holds
/// more than one topic, since a single-topic table means an incremental
/// registration.
fn body(counter: i64, topics: &[&str]) -> RegisterBrokerBody {
    let mut configs: Vec<TopicConfig> = topics.iter().map(|t| TopicConfig::new(*t, 8)).collect();
    if !topics.contains(&BASE_TOPIC) {
        configs.push(TopicConfig::new(BASE_TOPIC, 8));
    }
    body_with(counter, configs)
}

const BASE_TOPIC: &str = "baseTopic";

fn body_with(counter: i64, configs: Vec<TopicConfig>) -> RegisterBrokerBody {
    RegisterBrokerBody {
        filter_server_list: vec![],
        topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
            data_version: DataVersion {
                counter,
                state_version: 0,
                timestamp: 1000 + counter,
            },
            topic_config_table: TopicConfigTable(configs),
            ..Default::default()
        },
    }
}

fn register(
    table: &RouteTable,
    registration: &BrokerRegistration,
    body: &RegisterBrokerBody,
) -> RegisterResult {
    table
        .register_broker(registration, body, None, Instant::now())
        .unwrap()
}

fn route(table: &RouteTable, topic: &str) -> Option<TopicRouteData> {
    table.pickup_route(topic, None)
}

fn addrs(table: &RouteTable, topic: &str, name: &str) -> BTreeMap<i64, String> {
    let route = route(table, topic).expect("route exists");
    route
        .broker_datas
        .into_iter()
        .find(|b| b.broker_name == name)
        .unwrap()
        .broker_addrs
}

fn perm_of(table: &RouteTable, topic: &str, name: &str) -> i32 {
    let route = route(table, topic).expect("route exists");
    route
        .queue_datas
        .into_iter()
        .find(|q| q.broker_name == name)
        .unwrap()
        .perm
}

fn unregister(table: &RouteTable, name: &str, id: i64, addr: &str) {
    table.unregister_brokers(&[UnregisterRequest {
        cluster: CLUSTER.into(),
        addr: addr.into(),
        name: name.into(),
        id,
    }]);
}

fn map(pairs: &[(i64, &str)]) -> BTreeMap<i64, String> {
    pairs
        .iter()
        .map(|(id, addr)| (*id, addr.to_string()))
        .collect()
}

#[test]
fn s15_cluster_info_lists_clusters_and_masters() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    let mut other = registration("broker-b", 0, "127.0.0.2:10911");
    other.cluster = "OtherCluster".into();
    register(&table, &other, &body(1, &["t"]));
    let info = table.cluster_info();
    assert_eq!(info.cluster_addr_table.len(), 2);
    assert!(info.cluster_addr_table[CLUSTER].contains("broker-a"));
    assert!(info.cluster_addr_table["OtherCluster"].contains("broker-b"));
    assert_eq!(info.broker_addr_table["broker-a"].broker_addrs[&0], MASTER);
    assert_eq!(info.broker_addr_table["broker-b"].cluster, "OtherCluster");
}

#[test]
fn s16_delete_topic_whole_and_by_cluster() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    table.delete_topic("t", None);
    assert!(route(&table, "t").is_none());

    let table = self::table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    let mut other = registration("broker-b", 0, "127.0.0.2:10911");
    other.cluster = "OtherCluster".into();
    register(&table, &other, &body(1, &["t"]));
    table.delete_topic("t", Some("NoSuchCluster"));
    assert_eq!(route(&table, "t").unwrap().queue_datas.len(), 2);
    table.delete_topic("t", Some(CLUSTER));
    let left = route(&table, "t").unwrap();
    assert_eq!(left.queue_datas.len(), 1);
    assert_eq!(left.queue_datas[0].broker_name, "broker-b");
}

#[test]
fn s17_topic_list_grows_with_registrations() {
    let table = table();
    assert!(table.all_topics().topic_list.is_empty());
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t1", "t2"]),
    );
    assert_eq!(table.all_topics().topic_list, ["baseTopic", "t1", "t2"]);
}

#[test]
fn s18_slaves_learn_their_master() {
    let table = table();
    let master = register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    assert_eq!(master, RegisterResult::default());
    let slave = register(
        &table,
        &registration("broker-a", 1, SLAVE),
        &body(1, &["t"]),
    );
    assert_eq!(slave.master_addr.as_deref(), Some(MASTER));
    assert_eq!(slave.ha_server_addr, Some(format!("{MASTER}-ha")));
}

#[test]
fn s19_unregistering_a_lone_master_removes_its_topics() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t1", "t2"]),
    );
    unregister(&table, "broker-a", 0, MASTER);
    assert!(route(&table, "t1").is_none());
    assert!(route(&table, "t2").is_none());
    assert!(table.cluster_info().broker_addr_table.is_empty());
    assert!(table.cluster_info().cluster_addr_table.is_empty());
}

#[test]
fn s20_slaves_show_in_routes_of_every_topic() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    register(
        &table,
        &registration("broker-a", 1, SLAVE),
        &body(1, &["t"]),
    );
    assert_eq!(
        addrs(&table, "t", "broker-a"),
        map(&[(0, MASTER), (1, SLAVE)])
    );
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(2, &["t", "new"]),
    );
    assert_eq!(
        addrs(&table, "new", "broker-a"),
        map(&[(0, MASTER), (1, SLAVE)])
    );
}

#[test]
fn s21_role_switch_without_acting_master() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    register(
        &table,
        &registration("broker-a", 1, SLAVE),
        &body(1, &["t"]),
    );
    unregister(&table, "broker-a", 0, MASTER);
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(1, SLAVE)]));
    register(
        &table,
        &registration("broker-a", 0, SLAVE),
        &body(2, &["t"]),
    );
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(0, SLAVE)]));
    register(
        &table,
        &registration("broker-a", 1, MASTER),
        &body(2, &["t"]),
    );
    assert_eq!(
        addrs(&table, "t", "broker-a"),
        map(&[(0, SLAVE), (1, MASTER)])
    );
}

#[test]
fn s22_unregistering_a_slave_leaves_the_master() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    register(
        &table,
        &registration("broker-a", 1, SLAVE),
        &body(1, &["t"]),
    );
    unregister(&table, "broker-a", 1, SLAVE);
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(0, MASTER)]));
}

#[test]
fn s23_master_down_with_and_without_acting_master() {
    let table = acting_table();
    register(
        &table,
        &acting(registration("broker-a", 0, MASTER)),
        &body(1, &["t"]),
    );
    register(
        &table,
        &acting(registration("broker-a", 1, SLAVE)),
        &body(1, &["t"]),
    );
    unregister(&table, "broker-a", 0, MASTER);
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(0, SLAVE)]));
    assert_eq!(perm_of(&table, "t", "broker-a"), 4);

    let table = acting_table();
    let mut master = registration("broker-a", 0, MASTER);
    master.enable_acting_master = Some(false);
    let mut slave = registration("broker-a", 1, SLAVE);
    slave.enable_acting_master = Some(false);
    register(&table, &master, &body(1, &["t"]));
    register(&table, &slave, &body(1, &["t"]));
    unregister(&table, "broker-a", 0, MASTER);
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(1, SLAVE)]));
    assert_eq!(perm_of(&table, "t", "broker-a"), 6);
}

#[test]
fn s24_batched_unregisters_all_apply() {
    let table = table();
    for (name, addr) in [
        ("a", "10.0.0.1:1"),
        ("b", "10.0.0.2:1"),
        ("c", "10.0.0.3:1"),
    ] {
        register(&table, &registration(name, 0, addr), &body(1, &["t"]));
    }
    let requests: Vec<_> = [("a", "10.0.0.1:1"), ("b", "10.0.0.2:1")]
        .iter()
        .map(|(name, addr)| UnregisterRequest {
            cluster: CLUSTER.into(),
            addr: addr.to_string(),
            name: name.to_string(),
            id: 0,
        })
        .collect();
    table.unregister_brokers(&requests);
    let left = route(&table, "t").unwrap();
    assert_eq!(left.broker_datas.len(), 1);
    assert_eq!(left.broker_datas[0].broker_name, "c");
}

#[test]
fn s25_data_version_changes_are_detected() {
    let table = table();
    let registered = body(3, &["t"]);
    let version = registered.topic_config_serialize_wrapper.data_version;
    let now = Instant::now();
    assert_eq!(
        table.query_data_version(CLUSTER, MASTER, &version, now),
        (true, None)
    );
    register(&table, &registration("broker-a", 0, MASTER), &registered);
    assert_eq!(
        table.query_data_version(CLUSTER, MASTER, &version, now),
        (false, Some(version))
    );
    let newer_time = DataVersion {
        timestamp: version.timestamp + 1,
        ..version
    };
    assert!(
        table
            .query_data_version(CLUSTER, MASTER, &newer_time, now)
            .0
    );
    let newer_counter = DataVersion {
        counter: version.counter + 1,
        ..version
    };
    assert!(
        table
            .query_data_version(CLUSTER, MASTER, &newer_counter, now)
            .0
    );
}

#[test]
fn s26_wipe_write_perm() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    assert_eq!(
        table.change_write_perm("broker-a", PermChange::WipeWrite),
        2
    );
    assert_eq!(perm_of(&table, "t", "broker-a"), 4);
}

#[test]
fn s27_routes_carry_the_registered_values() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    let one = route(&table, "t").unwrap();
    assert_eq!(one.broker_datas.len(), 1);
    let queue = &one.queue_datas[0];
    assert_eq!(
        (queue.read_queue_nums, queue.write_queue_nums, queue.perm),
        (8, 8, 6)
    );
    register(
        &table,
        &registration("broker-b", 0, "127.0.0.2:10911"),
        &body(1, &["t"]),
    );
    let two = route(&table, "t").unwrap();
    assert_eq!(two.broker_datas.len(), 2);
    assert_eq!(two.queue_datas.len(), 2);
}

#[test]
fn s28_and_s30_writability_follows_the_master() {
    let table = acting_table();
    // 30: a lone slave makes a read-only route.
    register(
        &table,
        &acting(registration("broker-a", 1, SLAVE)),
        &body(1, &["t"]),
    );
    assert_eq!(perm_of(&table, "t", "broker-a"), 4);
    assert_eq!(
        addrs(&table, "t", "broker-a"),
        map(&[(0, SLAVE)]),
        "acting master shown as id 0"
    );
    // 28: master and slave: writable, two addresses.
    register(
        &table,
        &acting(registration("broker-a", 0, MASTER)),
        &body(1, &["t"]),
    );
    assert_eq!(perm_of(&table, "t", "broker-a"), 6);
    assert_eq!(addrs(&table, "t", "broker-a").len(), 2);
    // The master leaves: one address, not writable.
    unregister(&table, "broker-a", 0, MASTER);
    assert_eq!(perm_of(&table, "t", "broker-a"), 4);
    assert_eq!(addrs(&table, "t", "broker-a").len(), 1);
    // It comes back: writable again.
    register(
        &table,
        &acting(registration("broker-a", 0, MASTER)),
        &body(1, &["t"]),
    );
    assert_eq!(perm_of(&table, "t", "broker-a"), 6);
    assert_eq!(addrs(&table, "t", "broker-a").len(), 2);
}

#[test]
fn s29_order_topics_with_acting_masters() {
    let mut ordered = TopicConfig::new("order8", 8);
    ordered.order = true;
    let global = TopicConfig::new("global", 1);
    let configs = vec![ordered, global];

    let table = acting_table();
    register(
        &table,
        &acting(registration("broker-a", 1, SLAVE)),
        &body_with(1, configs.clone()),
    );
    for topic in ["order8", "global"] {
        assert_eq!(addrs(&table, topic, "broker-a"), map(&[(0, SLAVE)]));
        assert_eq!(perm_of(&table, topic, "broker-a"), 4);
    }

    // Two groups; only the first loses its master.
    let table = acting_table();
    register(
        &table,
        &acting(registration("broker-a", 0, MASTER)),
        &body_with(1, configs.clone()),
    );
    register(
        &table,
        &acting(registration("broker-a", 1, SLAVE)),
        &body_with(1, configs.clone()),
    );
    register(
        &table,
        &acting(registration("broker-b", 0, "127.0.0.2:1")),
        &body_with(1, configs.clone()),
    );
    register(
        &table,
        &acting(registration("broker-b", 1, "127.0.0.2:2")),
        &body_with(1, configs),
    );
    unregister(&table, "broker-a", 0, MASTER);
    assert_eq!(addrs(&table, "order8", "broker-a"), map(&[(0, SLAVE)]));
    assert_eq!(perm_of(&table, "order8", "broker-a"), 4);
    assert_eq!(
        addrs(&table, "order8", "broker-b"),
        map(&[(0, "127.0.0.2:1"), (1, "127.0.0.2:2")])
    );
    assert_eq!(perm_of(&table, "order8", "broker-b"), 6);
}

#[test]
fn s31_and_s32_closing_a_connection_unregisters_its_broker() {
    let table = table();
    let mut master = registration("broker-a", 0, MASTER);
    master.connection = Some(ConnectionId(1));
    let mut slave = registration("broker-a", 1, SLAVE);
    slave.connection = Some(ConnectionId(2));
    register(&table, &master, &body(1, &["t"]));
    register(&table, &slave, &body(1, &["t"]));
    assert!(
        table.connection_closed(ConnectionId(99)).is_empty(),
        "a client's connection"
    );
    let gone = table.connection_closed(ConnectionId(1));
    assert_eq!(gone.len(), 1);
    assert_eq!((gone[0].name.as_str(), gone[0].id), ("broker-a", 0));
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(1, SLAVE)]));
    // 32: the slave takes over as master after the channel went away.
    let mut promoted = registration("broker-a", 0, SLAVE);
    promoted.connection = Some(ConnectionId(2));
    register(&table, &promoted, &body(2, &["t"]));
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(0, SLAVE)]));
    table.connection_closed(ConnectionId(2));
    assert!(route(&table, "t").is_none());
}

#[test]
fn s33_delete_topics_with_registration() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t1", "t2"]),
    );
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(2, &["t1"]),
    );
    assert!(route(&table, "t2").is_some(), "kept without the setting");

    let table = RouteTable::new(RouteSettings {
        delete_topic_with_broker_registration: true,
        ..Default::default()
    });
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t1", "t2"]),
    );
    register(
        &table,
        &registration("broker-b", 0, "127.0.0.2:1"),
        &body(1, &["t1", "t2"]),
    );
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(2, &["t1"]),
    );
    assert_eq!(
        route(&table, "t2").unwrap().queue_datas.len(),
        1,
        "t2 only on broker-b now"
    );
    register(
        &table,
        &registration("broker-b", 0, "127.0.0.2:1"),
        &body(2, &["t1"]),
    );
    assert!(route(&table, "t2").is_none());
    assert!(route(&table, "t1").is_some());
}

#[test]
fn s34_single_topic_registration() {
    let table = RouteTable::new(RouteSettings {
        delete_topic_with_broker_registration: true,
        ..Default::default()
    });
    let queue = QueueData {
        broker_name: "broker-a".into(),
        perm: 6,
        read_queue_nums: 4,
        write_queue_nums: 4,
        topic_sys_flag: 0,
    };
    table.register_topic("single", std::slice::from_ref(&queue));
    assert!(
        route(&table, "single").is_none(),
        "ignored before the broker registers"
    );
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    table.register_topic("single", std::slice::from_ref(&queue));
    assert_eq!(route(&table, "single").unwrap().queue_datas, [queue]);
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(2, &["t"]),
    );
    assert!(
        route(&table, "single").is_none(),
        "a full registration without it deletes it"
    );
    unregister(&table, "broker-a", 0, MASTER);
    assert!(table.all_topics().topic_list.is_empty());
}

#[test]
fn s34_single_topic_registration_aborts_at_an_unknown_group() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    let known = QueueData {
        broker_name: "broker-a".into(),
        perm: 6,
        read_queue_nums: 1,
        write_queue_nums: 1,
        topic_sys_flag: 0,
    };
    let unknown = QueueData {
        broker_name: "nobody".into(),
        ..known.clone()
    };
    table.register_topic("fresh", &[known.clone(), unknown.clone()]);
    assert!(
        route(&table, "fresh").is_none(),
        "a new topic is not created at all"
    );
    table.register_topic(
        "t",
        &[
            QueueData {
                perm: 4,
                ..known.clone()
            },
            unknown,
        ],
    );
    assert_eq!(
        perm_of(&table, "t", "broker-a"),
        4,
        "an existing topic keeps the entries before"
    );
}

#[test]
fn an_incremental_registration_before_a_full_one_fails() {
    let table = table();
    let single = body_with(1, vec![TopicConfig::new("only", 8)]);
    let result = table.register_broker(
        &registration("broker-a", 0, MASTER),
        &single,
        None,
        Instant::now(),
    );
    assert_eq!(result, Err(RegisterError::NotRegisteredYet));
    assert!(
        table.cluster_info().broker_addr_table.is_empty(),
        "no empty group is left behind"
    );
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t1", "t2"]),
    );
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body_with(2, vec![TopicConfig::new("t3", 8)]),
    );
    assert!(
        route(&table, "t3").is_some(),
        "incremental after full works"
    );
}

#[test]
fn s35_silent_brokers_are_evicted() {
    let table = table();
    let start = Instant::now();
    let mut master = registration("broker-a", 0, MASTER);
    master.timeout = Some(Duration::from_secs(30));
    master.connection = Some(ConnectionId(7));
    table
        .register_broker(&master, &body(1, &["t"]), None, start)
        .unwrap();
    assert!(
        table
            .evict_inactive(start + Duration::from_secs(29))
            .is_empty()
    );
    let evicted = table.evict_inactive(start + Duration::from_secs(31));
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0].connection, Some(ConnectionId(7)));
    assert_eq!(evicted[0].broker.name, "broker-a");
    assert!(route(&table, "t").is_none());
}

#[test]
fn heartbeats_and_version_queries_keep_a_broker_alive() {
    let table = table();
    let start = Instant::now();
    table
        .register_broker(
            &registration("broker-a", 0, MASTER),
            &body(1, &["t"]),
            None,
            start,
        )
        .unwrap();
    let later = start + Duration::from_secs(100);
    assert!(table.heartbeat(CLUSTER, MASTER, later));
    assert!(
        table
            .evict_inactive(start + Duration::from_secs(200))
            .is_empty()
    );
    let version = DataVersion::ZERO;
    table.query_data_version(CLUSTER, MASTER, &version, start + Duration::from_secs(210));
    assert!(
        table
            .evict_inactive(start + Duration::from_secs(300))
            .is_empty()
    );
    assert_eq!(
        table.evict_inactive(start + Duration::from_secs(331)).len(),
        1
    );
    assert!(
        !table.heartbeat(CLUSTER, MASTER, later),
        "unknown brokers are ignored"
    );
}

#[test]
fn s36_liveness_is_per_cluster_and_address() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    let mut other = registration("broker-b", 0, MASTER);
    other.cluster = "OtherCluster".into();
    register(&table, &other, &body(5, &["u"]));
    let v1 = body(1, &[]).topic_config_serialize_wrapper.data_version;
    assert!(
        !table
            .query_data_version(CLUSTER, MASTER, &v1, Instant::now())
            .0
    );
    assert!(
        table
            .query_data_version("OtherCluster", MASTER, &v1, Instant::now())
            .0
    );
    table.unregister_brokers(&[UnregisterRequest {
        cluster: "OtherCluster".into(),
        addr: MASTER.into(),
        name: "broker-b".into(),
        id: 0,
    }]);
    assert!(route(&table, "t").is_some());
    assert!(route(&table, "u").is_none());
    assert_eq!(
        table.change_write_perm("broker-a", PermChange::WipeWrite),
        2
    );
    assert_eq!(perm_of(&table, "t", "broker-a"), 4);
    assert_eq!(table.change_write_perm("broker-a", PermChange::AddWrite), 2);
    assert_eq!(perm_of(&table, "t", "broker-a"), 6);
    assert!(route(&table, "nope").is_none());
    assert_eq!(table.all_topics().topic_list, [BASE_TOPIC, "t"]);
}

#[test]
fn s37_a_new_master_address_replaces_the_old() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    register(
        &table,
        &registration("broker-a", 2, "127.0.0.1:2"),
        &body(1, &["t"]),
    );
    register(
        &table,
        &registration("broker-a", 0, "127.0.0.9:10911"),
        &body(2, &["t"]),
    );
    assert_eq!(
        addrs(&table, "t", "broker-a"),
        map(&[(0, "127.0.0.9:10911"), (2, "127.0.0.1:2")])
    );
    unregister(&table, "broker-a", 2, "127.0.0.1:2");
    assert_eq!(
        addrs(&table, "t", "broker-a"),
        map(&[(0, "127.0.0.9:10911")])
    );
}

#[test]
fn s38_many_groups_many_topics() {
    let table = table();
    let mut topics: Vec<String> = (0..10).map(|i| format!("topic-{i}")).collect();
    let topic_refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    let registered = body(1, &topic_refs);
    topics.push(BASE_TOPIC.into());
    topics.sort();
    for group in 0..3 {
        for replica in 0..3 {
            let addr = format!("10.0.{group}.{replica}:10911");
            register(
                &table,
                &registration(&format!("broker-{group}"), replica, &addr),
                &registered,
            );
        }
    }
    let info = table.cluster_info();
    assert_eq!(info.cluster_addr_table[CLUSTER].len(), 3);
    assert_eq!(table.all_topics().topic_list, topics);
    assert_eq!(table.topics_of_cluster(CLUSTER).topic_list, topics);
    assert!(table.topics_of_cluster("nope").topic_list.is_empty());
    let mut route = route(&table, "topic-3").unwrap();
    route.sort();
    assert_eq!(route.broker_datas.len(), 3);
    for (group, data) in route.broker_datas.iter().enumerate() {
        assert_eq!(data.broker_addrs.len(), 3);
        assert_eq!(data.broker_addrs[&0], format!("10.0.{group}.0:10911"));
    }
    for queue in &route.queue_datas {
        assert_eq!(
            (
                queue.read_queue_nums,
                queue.write_queue_nums,
                queue.perm,
                queue.topic_sys_flag
            ),
            (8, 8, 6, 0)
        );
    }
    table.delete_topic("topic-3", None);
    assert!(self::route(&table, "topic-3").is_none());
}

#[test]
fn s39_add_and_wipe_counts() {
    let table = table();
    let mut read_only = TopicConfig::new("r", 4);
    read_only.perm = 4;
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body_with(1, vec![read_only, TopicConfig::new("rw", 4)]),
    );
    assert_eq!(
        table.change_write_perm("broker-a", PermChange::WipeWrite),
        2
    );
    assert_eq!(perm_of(&table, "r", "broker-a"), 4);
    assert_eq!(table.change_write_perm("broker-a", PermChange::AddWrite), 2);
    assert_eq!(perm_of(&table, "r", "broker-a"), 6);
    assert_eq!(table.change_write_perm("nobody", PermChange::AddWrite), 0);
}

#[test]
fn unchanged_data_versions_do_not_rewrite_queues() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    table.change_write_perm("broker-a", PermChange::WipeWrite);
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    assert_eq!(
        perm_of(&table, "t", "broker-a"),
        4,
        "a wipe survives the same version"
    );
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(2, &["t"]),
    );
    assert_eq!(
        perm_of(&table, "t", "broker-a"),
        6,
        "a new version rewrites"
    );
}

#[test]
fn a_topic_deleted_in_the_name_server_comes_back_with_the_next_registration() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    table.delete_topic("t", None);
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    assert!(route(&table, "t").is_some());
}

#[test]
fn unchanged_registrations_take_the_short_cut_only_when_safe() {
    let table = table();
    let master = registration("broker-a", 0, MASTER);
    let registered = body(1, &["t1", "t2"]);
    let bytes = registered.encode_json();
    let fingerprint = BodyFingerprint::of(&bytes, false, 409);
    let now = Instant::now();
    assert_eq!(
        table.register_unchanged(&master, fingerprint, now),
        None,
        "never seen"
    );
    table
        .register_broker(&master, &registered, Some(fingerprint), now)
        .unwrap();
    assert_eq!(
        table.register_unchanged(&master, fingerprint, now),
        Some(RegisterResult::default())
    );

    let other = BodyFingerprint::of(b"{}", false, 409);
    assert_eq!(
        table.register_unchanged(&master, other, now),
        None,
        "another body"
    );

    table.delete_topic("t1", None);
    assert_eq!(
        table.register_unchanged(&master, fingerprint, now),
        None,
        "a topic went away"
    );
    table
        .register_broker(&master, &registered, Some(fingerprint), now)
        .unwrap();
    assert!(route(&table, "t1").is_some());
    assert!(
        table
            .register_unchanged(&master, fingerprint, now)
            .is_some()
    );

    let slave = registration("broker-a", 1, SLAVE);
    table
        .register_broker(&slave, &registered, Some(fingerprint), now)
        .unwrap();
    let result = table.register_unchanged(&slave, fingerprint, now).unwrap();
    assert_eq!(
        result.master_addr.as_deref(),
        Some(MASTER),
        "slaves still learn their master"
    );
}

#[test]
fn the_short_cut_keeps_the_broker_alive() {
    let table = table();
    let master = registration("broker-a", 0, MASTER);
    let registered = body(1, &["t"]);
    let fingerprint = BodyFingerprint::of(&registered.encode_json(), false, 409);
    let start = Instant::now();
    table
        .register_broker(&master, &registered, Some(fingerprint), start)
        .unwrap();
    let later = start + Duration::from_secs(100);
    assert!(
        table
            .register_unchanged(&master, fingerprint, later)
            .is_some()
    );
    assert!(
        table
            .evict_inactive(start + Duration::from_secs(200))
            .is_empty()
    );
}

#[test]
fn cached_routes_follow_every_change() {
    let table = table();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    let first = table.route_body("t", KeyStyle::Standard, None).unwrap();
    let again = table.route_body("t", KeyStyle::Standard, None).unwrap();
    assert_eq!(first.as_ptr(), again.as_ptr(), "served from the cache");
    let legacy = table.route_body("t", KeyStyle::Legacy, None).unwrap();
    assert!(
        std::str::from_utf8(&legacy)
            .unwrap()
            .contains("{0:\"127.0.0.1:10911\"}")
    );

    register(
        &table,
        &registration("broker-a", 1, SLAVE),
        &body(1, &["t"]),
    );
    let with_slave = table.route_body("t", KeyStyle::Standard, None).unwrap();
    assert!(
        std::str::from_utf8(&with_slave).unwrap().contains(SLAVE),
        "a new slave shows"
    );

    table.change_write_perm("broker-a", PermChange::WipeWrite);
    let wiped = table.route_body("t", KeyStyle::Standard, None).unwrap();
    assert!(
        std::str::from_utf8(&wiped).unwrap().contains("\"perm\":4"),
        "a perm change shows"
    );

    table.unregister_brokers(&[UnregisterRequest {
        cluster: CLUSTER.into(),
        addr: SLAVE.into(),
        name: "broker-a".into(),
        id: 1,
    }]);
    let without = table.route_body("t", KeyStyle::Standard, None).unwrap();
    assert!(
        !std::str::from_utf8(&without).unwrap().contains(SLAVE),
        "a removed slave goes"
    );

    table.delete_topic("t", None);
    assert!(table.route_body("t", KeyStyle::Standard, None).is_none());
}

#[test]
fn order_topic_conf_is_added_when_enabled() {
    let table = RouteTable::new(RouteSettings {
        order_message_enable: true,
        ..Default::default()
    });
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &["t"]),
    );
    let lookup = |topic: &str| (topic == "t").then(|| "broker-a:8".to_owned());
    let route = table.pickup_route("t", Some(&lookup)).unwrap();
    assert_eq!(route.order_topic_conf.as_deref(), Some("broker-a:8"));
    table.apply_settings(RouteSettings::default());
    assert_eq!(
        table
            .pickup_route("t", Some(&lookup))
            .unwrap()
            .order_topic_conf,
        None
    );
}

#[test]
fn static_topic_mappings_are_returned_per_topic() {
    let table = table();
    let mut registered = body(1, &["static"]);
    let info = TopicQueueMappingInfo {
        bname: Some("broker-a".into()),
        curr_id_map: BTreeMap::from([(0, 0)]),
        topic: Some("static".into()),
        total_queues: 1,
        ..Default::default()
    };
    registered
        .topic_config_serialize_wrapper
        .topic_queue_mapping_info_map = Some(BTreeMap::from([("static".to_owned(), info.clone())]));
    register(&table, &registration("broker-a", 0, MASTER), &registered);
    let route = route(&table, "static").unwrap();
    assert_eq!(
        route.topic_queue_mapping_by_broker.unwrap()["broker-a"],
        info
    );
}

#[test]
fn filter_servers_show_in_routes() {
    let table = table();
    let mut registered = body(1, &["t"]);
    registered.filter_server_list = vec!["127.0.0.1:5000".into()];
    register(&table, &registration("broker-a", 0, MASTER), &registered);
    let route = route(&table, "t").unwrap();
    assert_eq!(route.filter_server_table[MASTER], ["127.0.0.1:5000"]);
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(2, &["t"]),
    );
    assert!(
        self::route(&table, "t")
            .unwrap()
            .filter_server_table
            .is_empty()
    );
}

#[test]
fn a_stale_controller_registration_is_ignored() {
    let table = table();
    let mut newer = body(1, &["t"]);
    newer
        .topic_config_serialize_wrapper
        .data_version
        .state_version = 5;
    register(&table, &registration("broker-a", 0, MASTER), &newer);
    let stale = register(
        &table,
        &registration("broker-a", 0, "127.0.0.9:1"),
        &body(1, &["t"]),
    );
    assert_eq!(stale, RegisterResult::default());
    assert_eq!(addrs(&table, "t", "broker-a"), map(&[(0, MASTER)]));
}

#[test]
fn system_and_unit_topic_lists() {
    let table = table();
    let mut unit = TopicConfig::new("unit", 1);
    unit.topic_sys_flag = 1;
    let mut unit_sub = TopicConfig::new("unitSub", 1);
    unit_sub.topic_sys_flag = 2;
    let mut both = TopicConfig::new("both", 1);
    both.topic_sys_flag = 3;
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body_with(1, vec![unit, unit_sub, both]),
    );
    assert_eq!(
        table.unit_topics(UnitListKind::Unit).topic_list,
        ["both", "unit"]
    );
    assert_eq!(
        table.unit_topics(UnitListKind::HasUnitSub).topic_list,
        ["both", "unitSub"]
    );
    assert_eq!(
        table
            .unit_topics(UnitListKind::HasUnitSubNotUnit)
            .topic_list,
        ["unitSub"]
    );
    let system = table.system_topics();
    assert_eq!(system.topic_list, [CLUSTER, "broker-a"]);
    assert_eq!(system.broker_addr.as_deref(), Some(MASTER));
    let group = table.broker_member_group("whatever", "broker-a");
    assert_eq!(group.broker_addrs, map(&[(0, MASTER)]));
    assert_eq!(group.cluster, "whatever");
    assert!(
        table
            .broker_member_group(CLUSTER, "nobody")
            .broker_addrs
            .is_empty()
    );
}

#[test]
fn cached_routes_stay_within_their_budget_and_give_memory_back() {
    let table = RouteTable::with_cache_budget(RouteSettings::default(), 1000);
    let topics: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    register(
        &table,
        &registration("broker-a", 0, MASTER),
        &body(1, &refs),
    );
    for topic in &topics {
        assert!(
            table.route_body(topic, KeyStyle::Standard, None).is_some(),
            "answered even uncached"
        );
    }
    let used = table.cached_bytes();
    assert!(used > 0 && used <= 1000, "{used}");
    table.delete_topic("t0", None);
    assert!(table.cached_bytes() <= used);
    // A new broker group changes every route: the cache empties.
    register(
        &table,
        &registration("broker-b", 0, "127.0.0.2:1"),
        &body(1, &refs),
    );
    assert_eq!(table.cached_bytes(), 0);
}

#[test]
fn other_brokers_changes_keep_a_brokers_short_cut() {
    let table = table();
    let now = Instant::now();
    let a = registration("broker-a", 0, MASTER);
    let a_body = body(1, &["a1", "a2"]);
    let a_print = BodyFingerprint::of(&a_body.encode_json(), false, 409);
    table
        .register_broker(&a, &a_body, Some(a_print), now)
        .unwrap();
    // Another group appears with topics of its own and shared ones.
    let b = registration("broker-b", 0, "127.0.0.2:1");
    table
        .register_broker(&b, &body(1, &["b1", "a1"]), None, now)
        .unwrap();
    table.delete_topic("b1", None);
    assert!(
        table.register_unchanged(&a, a_print, now).is_some(),
        "broker-a's queues did not change"
    );
    // Removing broker-a's own queue of a shared topic does end it.
    table.delete_topic("a1", Some(CLUSTER));
    assert!(table.register_unchanged(&a, a_print, now).is_none());
    table
        .register_broker(&a, &a_body, Some(a_print), now)
        .unwrap();
    assert_eq!(
        route(&table, "a1").unwrap().queue_datas.len(),
        1,
        "repaired by the full registration"
    );
}
