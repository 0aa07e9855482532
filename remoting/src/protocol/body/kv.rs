//! Small list and table bodies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A string-to-string table: KV namespaces, broker runtime info.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KvTable {
    /// The entries.
    #[serde(default)]
    pub table: BTreeMap<String, String>,
}

/// A list of topic names, with a broker address for the system-topic list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicList {
    /// A broker to ask for more (GET_SYSTEM_TOPIC_LIST_FROM_NS only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_addr: Option<String>,
    /// The topics.
    #[serde(default)]
    pub topic_list: Vec<String>,
}
