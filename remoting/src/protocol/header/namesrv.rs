//! Headers of the requests a name server serves, and of their responses.

use super::command_header;

/// Extension field naming the zone a broker or client is in.
pub const ZONE_NAME: &str = "__ZONE_NAME";
/// Extension field asking the name server to filter routes by zone.
pub const ZONE_MODE: &str = "__ZONE_MODE";

command_header! {
    /// PUT_KV_CONFIG (100).
    pub struct PutKvConfigRequestHeader {
        namespace: String = "namespace", required;
        key: String = "key", required;
        value: String = "value", required;
    }
}

command_header! {
    /// GET_KV_CONFIG (101) and DELETE_KV_CONFIG (102).
    pub struct KvConfigKeyRequestHeader {
        namespace: String = "namespace", required;
        key: String = "key", required;
    }
}

command_header! {
    /// The response to GET_KV_CONFIG.
    pub struct GetKvConfigResponseHeader {
        value: Option<String> = "value", optional;
    }
}

command_header! {
    /// GET_KVLIST_BY_NAMESPACE (219).
    pub struct GetKvListByNamespaceRequestHeader {
        namespace: String = "namespace", required;
    }
}

command_header! {
    /// REGISTER_BROKER (103).
    pub struct RegisterBrokerRequestHeader {
        broker_name: String = "brokerName", required;
        broker_addr: String = "brokerAddr", required;
        cluster_name: String = "clusterName", required;
        ha_server_addr: String = "haServerAddr", required;
        broker_id: i64 = "brokerId", required;
        /// How long the name server may go without hearing from the broker.
        heartbeat_timeout_millis: Option<i64> = "heartbeatTimeoutMillis", optional;
        /// Absent from brokers older than 5.0.
        enable_acting_master: Option<bool> = "enableActingMaster", optional;
        /// Whether the body is the zlib-compressed form.
        compressed: bool = "compressed", default false;
        /// CRC-32 of the body masked to 31 bits; 0 means unchecked.
        body_crc32: i32 = "bodyCrc32", default 0;
        zone_name: Option<String> = "__ZONE_NAME", optional;
    }
}

command_header! {
    /// The response to REGISTER_BROKER: where a slave finds its master.
    pub struct RegisterBrokerResponseHeader {
        ha_server_addr: Option<String> = "haServerAddr", optional;
        master_addr: Option<String> = "masterAddr", optional;
    }
}

command_header! {
    /// UNREGISTER_BROKER (104), and the identity part of QUERY_DATA_VERSION (322).
    pub struct BrokerIdentityRequestHeader {
        broker_name: String = "brokerName", required;
        broker_addr: String = "brokerAddr", required;
        cluster_name: String = "clusterName", required;
        broker_id: i64 = "brokerId", required;
    }
}

command_header! {
    /// The response to QUERY_DATA_VERSION.
    pub struct QueryDataVersionResponseHeader {
        changed: bool = "changed", default false;
    }
}

command_header! {
    /// GET_ROUTEINFO_BY_TOPIC (105).
    pub struct GetRouteInfoRequestHeader {
        topic: String = "topic", required;
        /// Ask for standard JSON whatever the request version.
        accept_standard_json_only: Option<bool> = "acceptStandardJsonOnly", optional;
        zone_mode: Option<bool> = "__ZONE_MODE", optional;
        zone_name: Option<String> = "__ZONE_NAME", optional;
    }
}

command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327).
    pub struct BrokerNameRequestHeader {
        broker_name: String = "brokerName", required;
    }
}

command_header! {
    /// The response to WIPE_WRITE_PERM_OF_BROKER.
    pub struct WipeWritePermResponseHeader {
        wipe_topic_count: i32 = "wipeTopicCount", required;
    }
}

command_header! {
    /// The response to ADD_WRITE_PERM_OF_BROKER.
    pub struct AddWritePermResponseHeader {
        add_topic_count: i32 = "addTopicCount", required;
    }
}

command_header! {
    /// DELETE_TOPIC_IN_NAMESRV (216).
    pub struct DeleteTopicFromNamesrvRequestHeader {
        topic: String = "topic", required;
        /// Only remove the topic from this cluster's brokers.
        cluster_name: Option<String> = "clusterName", optional;
    }
}

command_header! {
    /// REGISTER_TOPIC_IN_NAMESRV (217), DELETE_TOPIC_IN_BROKER (215) and
    /// other requests naming one topic.
    pub struct TopicRequestHeader {
        topic: String = "topic", required;
    }
}

command_header! {
    /// GET_TOPICS_BY_CLUSTER (224).
    pub struct GetTopicsByClusterRequestHeader {
        cluster: String = "cluster", required;
    }
}

command_header! {
    /// GET_BROKER_MEMBER_GROUP (901).
    pub struct GetBrokerMemberGroupRequestHeader {
        cluster_name: String = "clusterName", required;
        broker_name: String = "brokerName", required;
    }
}

command_header! {
    /// BROKER_HEARTBEAT (904), sent oneway by brokers in acting-master mode.
    pub struct BrokerHeartbeatRequestHeader {
        cluster_name: String = "clusterName", required;
        broker_addr: String = "brokerAddr", required;
        broker_name: String = "brokerName", required;
        broker_id: Option<i64> = "brokerId", optional;
        epoch: Option<i32> = "epoch", optional;
        max_offset: Option<i64> = "maxOffset", optional;
        confirm_offset: Option<i64> = "confirmOffset", optional;
        /// Spelled this way on the wire.
        heartbeat_timeout_millis: Option<i64> = "heartbeatTimeoutMills", optional;
        election_priority: Option<i32> = "electionPriority", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::super::CommandHeader;
    use super::*;
    use crate::protocol::ExtFields;

    #[test]
    fn register_header_reads_a_real_broker_registration() {
        // The ext fields of a real 4.9.8 broker's registration.
        let ext: ExtFields = [
            ("brokerId", "0"),
            ("bodyCrc32", "523997072"),
            ("clusterName", "DefaultCluster"),
            ("brokerAddr", "127.0.0.1:31911"),
            ("haServerAddr", "127.0.0.1:31912"),
            ("compressed", "false"),
            ("brokerName", "broker-a"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let header = RegisterBrokerRequestHeader::read_from(&ext).unwrap();
        assert_eq!(header.broker_name, "broker-a");
        assert_eq!(header.broker_id, 0);
        assert_eq!(header.body_crc32, 523_997_072);
        assert!(!header.compressed);
        assert_eq!(header.enable_acting_master, None);
        assert_eq!(header.heartbeat_timeout_millis, None);

        let mut written = ExtFields::new();
        header.write_to(&mut written);
        assert_eq!(written, ext);
    }
}
