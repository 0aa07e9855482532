//! Cluster membership, as GET_BROKER_CLUSTER_INFO and GET_BROKER_MEMBER_GROUP report it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::route::BrokerData;

/// Every broker group and which cluster holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    /// Broker groups by name.
    #[serde(default)]
    pub broker_addr_table: BTreeMap<String, BrokerData>,
    /// Broker group names by cluster.
    #[serde(default)]
    pub cluster_addr_table: BTreeMap<String, BTreeSet<String>>,
}

/// The members of one broker group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerMemberGroup {
    /// Addresses by broker id.
    #[serde(default)]
    pub broker_addrs: BTreeMap<i64, String>,
    /// The group's name.
    #[serde(default)]
    pub broker_name: String,
    /// The cluster, echoed from the request.
    #[serde(default)]
    pub cluster: String,
}

/// The body of the GET_BROKER_MEMBER_GROUP response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBrokerMemberGroupResponseBody {
    /// The group.
    pub broker_member_group: BrokerMemberGroup,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::json::{self, KeyStyle};

    /// The body the real 4.9.8 name server sent for GET_BROKER_CLUSTER_INFO.
    const REAL: &str = r#"{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:20911"},"brokerName":"broker-a","cluster":"DefaultCluster"}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}"#;

    #[test]
    fn reads_and_rewrites_real_cluster_info() {
        let info: ClusterInfo = json::from_slice(REAL.as_bytes()).unwrap();
        assert_eq!(info.cluster_addr_table["DefaultCluster"].len(), 1);
        let written = String::from_utf8(json::to_vec(&info, KeyStyle::Legacy)).unwrap();
        assert_eq!(
            written,
            REAL.replace(
                r#""DefaultCluster"}}"#,
                r#""DefaultCluster","enableActingMaster":false}}"#
            )
        );
    }
}
