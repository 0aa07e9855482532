//! A topic's route: which brokers serve it and with how many queues.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::topic::perm;

/// The broker id of a master.
pub const MASTER_ID: i64 = 0;

/// One broker group's queues for a topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueData {
    /// The broker group.
    #[serde(default)]
    pub broker_name: String,
    /// Permission bits.
    #[serde(default)]
    pub perm: i32,
    /// Queues consumers read.
    #[serde(default)]
    pub read_queue_nums: i32,
    /// System flags.
    #[serde(default)]
    pub topic_sys_flag: i32,
    /// Queues producers write.
    #[serde(default)]
    pub write_queue_nums: i32,
}

impl QueueData {
    /// Whether producers may write to these queues.
    pub const fn is_writeable(&self) -> bool {
        perm::is_writeable(self.perm)
    }

    /// Whether consumers may read these queues.
    pub const fn is_readable(&self) -> bool {
        perm::is_readable(self.perm)
    }
}

/// One broker group: a master and its slaves, by broker id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerData {
    /// Addresses by broker id; id 0 is the master. Always written, even
    /// empty: the Go client panics when it is missing.
    #[serde(default)]
    pub broker_addrs: BTreeMap<i64, String>,
    /// The group's name.
    #[serde(default)]
    pub broker_name: String,
    /// The cluster the group belongs to.
    #[serde(default)]
    pub cluster: String,
    /// Whether a slave may act as master. Always written: 5.x clients fail
    /// to parse a route without it.
    #[serde(default)]
    pub enable_acting_master: bool,
    /// The zone, if the broker reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
}

impl BrokerData {
    /// The master's address, if the group has a master.
    pub fn master_addr(&self) -> Option<&str> {
        self.broker_addrs.get(&MASTER_ID).map(String::as_str)
    }
}

/// A static topic's logical-to-physical queue mapping on one broker (5.x).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicQueueMappingInfo {
    /// The broker group.
    #[serde(default)]
    pub bname: Option<String>,
    /// Logical queue id to physical queue id. Java writes its keys bare.
    #[serde(default)]
    pub curr_id_map: BTreeMap<i32, i32>,
    /// Whether the mapping changed since it was persisted.
    #[serde(default)]
    pub dirty: bool,
    /// The mapping's epoch.
    #[serde(default)]
    pub epoch: i64,
    /// The mapping scope, `__global__` by default.
    #[serde(default)]
    pub scope: Option<String>,
    /// The topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// Logical queues across all brokers.
    #[serde(default)]
    pub total_queues: i32,
}

/// The answer to GET_ROUTEINFO_BY_TOPIC.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicRouteData {
    /// The broker groups serving the topic.
    #[serde(default)]
    pub broker_datas: Vec<BrokerData>,
    /// Filter servers by broker address; usually empty.
    #[serde(default)]
    pub filter_server_table: BTreeMap<String, Vec<String>>,
    /// Ordered-topic configuration (`broker:queues;...`), when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_topic_conf: Option<String>,
    /// The topic's queues per broker group.
    #[serde(default)]
    pub queue_datas: Vec<QueueData>,
    /// Static-topic mappings by broker group (5.x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_by_broker: Option<BTreeMap<String, TopicQueueMappingInfo>>,
}

impl TopicRouteData {
    /// Sorts queue and broker data by broker name, as clients do before
    /// comparing routes, so equal routes compare equal.
    pub fn sort(&mut self) {
        self.queue_datas
            .sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
        self.broker_datas
            .sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::json::{self, KeyStyle};

    /// The body the real 4.9.8 name server sent to a version-63 client.
    const LEGACY_ROUTE: &str = r#"{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:20911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#;

    #[test]
    fn reads_the_legacy_route_of_a_real_name_server() {
        let route: TopicRouteData = json::from_slice(LEGACY_ROUTE.as_bytes()).unwrap();
        assert_eq!(route.broker_datas[0].master_addr(), Some("127.0.0.1:20911"));
        assert_eq!(route.queue_datas[0].write_queue_nums, 4);
        assert!(route.queue_datas[0].is_writeable());
    }

    #[test]
    fn writes_it_back_with_acting_master_added() {
        let route: TopicRouteData = json::from_slice(LEGACY_ROUTE.as_bytes()).unwrap();
        let expected = LEGACY_ROUTE.replace(
            r#""cluster":"DefaultCluster"}"#,
            r#""cluster":"DefaultCluster","enableActingMaster":false}"#,
        );
        assert_eq!(
            String::from_utf8(json::to_vec(&route, KeyStyle::Legacy)).unwrap(),
            expected
        );
        assert_eq!(
            String::from_utf8(json::to_vec(&route, KeyStyle::Standard)).unwrap(),
            expected.replace("{0:", "{\"0\":")
        );
    }

    #[test]
    fn empty_broker_addrs_are_still_written() {
        let data = BrokerData {
            broker_name: "b".into(),
            ..Default::default()
        };
        let text = String::from_utf8(json::to_vec(&data, KeyStyle::Standard)).unwrap();
        assert!(text.contains(r#""brokerAddrs":{}"#), "{text}");
    }

    #[test]
    fn mapping_info_reads_bare_int_keys() {
        let info: TopicQueueMappingInfo = json::from_slice(
            br#"{"bname":"b","currIdMap":{0:3,1:4},"dirty":false,"epoch":1,"scope":"__global__","topic":"t","totalQueues":2}"#,
        )
        .unwrap();
        assert_eq!(info.curr_id_map, BTreeMap::from([(0, 3), (1, 4)]));
    }
}
