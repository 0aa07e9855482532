//! Topic configuration as brokers hold and register it.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::route::TopicQueueMappingInfo;

/// Permission bits of a topic or broker.
pub mod perm {
    /// Priority (unused by routing).
    pub const PRIORITY: i32 = 8;
    /// Consumers may read.
    pub const READ: i32 = 4;
    /// Producers may write.
    pub const WRITE: i32 = 2;
    /// Brokers may create topics from this one (TBW102).
    pub const INHERIT: i32 = 1;
    /// Read and write: the usual topic permission.
    pub const READ_WRITE: i32 = READ | WRITE;

    /// Whether `perm` allows reading.
    pub const fn is_readable(perm: i32) -> bool {
        perm & READ != 0
    }

    /// Whether `perm` allows writing.
    pub const fn is_writeable(perm: i32) -> bool {
        perm & WRITE != 0
    }

    /// Whether `perm` allows creating topics from this one.
    pub const fn is_inherited(perm: i32) -> bool {
        perm & INHERIT != 0
    }

    /// A perm as the Java admin prints it: `RWX` letters or dashes.
    pub fn describe(perm: i32) -> String {
        let mut text = String::with_capacity(3);
        text.push(if is_readable(perm) { 'R' } else { '-' });
        text.push(if is_writeable(perm) { 'W' } else { '-' });
        text.push(if is_inherited(perm) { 'X' } else { '-' });
        text
    }
}

/// Topic system flags.
pub mod sys_flag {
    /// A unit topic.
    pub const UNIT: i32 = 1;
    /// A topic with unit subscriptions.
    pub const UNIT_SUB: i32 = 2;
}

/// The longest topic name, except retry and dead-letter topics.
pub const TOPIC_MAX_LENGTH: usize = 127;
/// The longest retry (`%RETRY%...`) or dead-letter (`%DLQ%...`) topic name.
pub const RETRY_OR_DLQ_TOPIC_MAX_LENGTH: usize = 255;
/// The most queues a topic may have on one broker. Java sets no limit; this
/// one only keeps absurd values (a billion queues) away from clients.
pub const MAX_QUEUE_NUMS: i32 = 65_536;

/// Checks a topic name as the Java broker does: not blank, only
/// `%|a-zA-Z0-9_-`, at most 127 characters (255 for retry and dead-letter
/// topics). The error is the Java broker's remark.
pub fn validate_topic_name(topic: &str) -> Result<(), String> {
    if topic.trim().is_empty() {
        return Err("The specified topic is blank.".to_owned());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '%' | '|' | '_' | '-');
    if !topic.chars().all(allowed) {
        return Err(format!(
            "The specified topic: {topic}, contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
        ));
    }
    if topic.starts_with("%RETRY%") || topic.starts_with("%DLQ%") {
        if topic.len() > RETRY_OR_DLQ_TOPIC_MAX_LENGTH {
            return Err(format!(
                "The specified topic is DLQ or Retry topic: {topic}, and it's longer than topic max length: {RETRY_OR_DLQ_TOPIC_MAX_LENGTH}"
            ));
        }
    } else if topic.len() > TOPIC_MAX_LENGTH {
        return Err(format!(
            "The specified topic: {topic}, is longer than topic max length: {TOPIC_MAX_LENGTH}"
        ));
    }
    Ok(())
}

/// Checks a queue count: 0 (a topic closed for reading or writing) up to
/// [`MAX_QUEUE_NUMS`].
pub fn validate_queue_nums(field: &str, value: i32) -> Result<(), String> {
    if (0..=MAX_QUEUE_NUMS).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "The specified {field}: {value} is invalid, it must be between 0 and {MAX_QUEUE_NUMS}"
        ))
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}

/// The version of a broker's topic table, bumped on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataVersion {
    /// Changes counted since the broker started.
    #[serde(default)]
    pub counter: i64,
    /// The controller's state version (5.x; 0 otherwise).
    #[serde(default)]
    pub state_version: i64,
    /// When the table last changed, in milliseconds.
    #[serde(default = "now_millis")]
    pub timestamp: i64,
}

impl Default for DataVersion {
    fn default() -> Self {
        DataVersion {
            counter: 0,
            state_version: 0,
            timestamp: now_millis(),
        }
    }
}

impl DataVersion {
    /// A version with every field zero: what an absent registration body means.
    pub const ZERO: DataVersion = DataVersion {
        counter: 0,
        state_version: 0,
        timestamp: 0,
    };

    /// Moves to the next version: the counter goes up and the time is now.
    pub fn bump(&mut self) {
        self.counter += 1;
        self.timestamp = now_millis();
    }
}

impl fmt::Display for DataVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "counter={} stateVersion={} timestamp={}",
            self.counter, self.state_version, self.timestamp
        )
    }
}

/// Whether a topic's messages are filtered by one tag or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum TopicFilterType {
    /// One tag per message.
    #[default]
    #[serde(rename = "SINGLE_TAG")]
    SingleTag,
    /// Several tags per message.
    #[serde(rename = "MULTI_TAG")]
    MultiTag,
}

impl TopicFilterType {
    /// The Java enum name.
    pub const fn name(self) -> &'static str {
        match self {
            TopicFilterType::SingleTag => "SINGLE_TAG",
            TopicFilterType::MultiTag => "MULTI_TAG",
        }
    }

    /// Parses the Java enum name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SINGLE_TAG" => Some(TopicFilterType::SingleTag),
            "MULTI_TAG" => Some(TopicFilterType::MultiTag),
            _ => None,
        }
    }
}

fn default_queue_nums() -> i32 {
    16
}

fn default_perm() -> i32 {
    perm::READ_WRITE
}

/// One topic on one broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicConfig {
    /// 5.x topic attributes; omitted when empty, as 4.x peers do not know them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Whether the topic is ordered.
    #[serde(default)]
    pub order: bool,
    /// Permission bits, see [`perm`].
    #[serde(default = "default_perm")]
    pub perm: i32,
    /// Queues consumers read.
    #[serde(default = "default_queue_nums")]
    pub read_queue_nums: i32,
    /// How messages are filtered.
    #[serde(default)]
    pub topic_filter_type: TopicFilterType,
    /// The topic's name.
    #[serde(default)]
    pub topic_name: String,
    /// System flags, see [`sys_flag`].
    #[serde(default)]
    pub topic_sys_flag: i32,
    /// Queues producers write.
    #[serde(default = "default_queue_nums")]
    pub write_queue_nums: i32,
}

impl TopicConfig {
    /// A read-write topic with `queues` read and write queues.
    pub fn new(name: impl Into<String>, queues: i32) -> Self {
        TopicConfig {
            topic_name: name.into(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            ..TopicConfig::default()
        }
    }

    /// The text form of the compressed registration body:
    /// `name read write perm filterType [attributesJson]`.
    pub fn encode_text(&self) -> String {
        let mut text = format!(
            "{} {} {} {} {}",
            self.topic_name,
            self.read_queue_nums,
            self.write_queue_nums,
            self.perm,
            self.topic_filter_type.name()
        );
        if !self.attributes.is_empty() {
            text.push(' ');
            text.push_str(&serde_json::to_string(&self.attributes).expect("string map"));
        }
        text
    }

    /// Checks the name and the queue counts, naming the topic in the error.
    pub fn validate(&self) -> Result<(), String> {
        validate_topic_name(&self.topic_name)?;
        validate_queue_nums("readQueueNums", self.read_queue_nums)
            .and_then(|()| validate_queue_nums("writeQueueNums", self.write_queue_nums))
            .map_err(|error| format!("topic {}: {error}", self.topic_name))
    }

    /// Parses the text form. It carries neither the system flag nor order.
    pub fn decode_text(text: &str) -> Option<Self> {
        let mut parts = text.splitn(6, ' ');
        let topic_name = parts.next()?.to_owned();
        let read_queue_nums = parts.next()?.parse().ok()?;
        let write_queue_nums = parts.next()?.parse().ok()?;
        let perm = parts.next()?.parse().ok()?;
        let topic_filter_type = TopicFilterType::from_name(parts.next()?)?;
        let attributes = match parts.next() {
            Some(json) => serde_json::from_str(json).ok()?,
            None => BTreeMap::new(),
        };
        Some(TopicConfig {
            attributes,
            order: false,
            perm,
            read_queue_nums,
            topic_filter_type,
            topic_name,
            topic_sys_flag: 0,
            write_queue_nums,
        })
    }
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            attributes: BTreeMap::new(),
            order: false,
            perm: default_perm(),
            read_queue_nums: default_queue_nums(),
            topic_filter_type: TopicFilterType::SingleTag,
            topic_name: String::new(),
            topic_sys_flag: 0,
            write_queue_nums: default_queue_nums(),
        }
    }
}

/// A topic table in registration order, keyed on the wire by topic name.
///
/// The name server keys queue data by each entry's `topicName`, not by the
/// map key, so the keys are only used when an entry has no name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicConfigTable(pub Vec<TopicConfig>);

impl Serialize for TopicConfigTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for config in &self.0 {
            map.serialize_entry(&config.topic_name, config)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for TopicConfigTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;

        impl<'de> Visitor<'de> for TableVisitor {
            type Value = TopicConfigTable;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of topic configs")
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<TopicConfigTable, E> {
                Ok(TopicConfigTable::default())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut configs = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((key, mut config)) = map.next_entry::<String, TopicConfig>()? {
                    if config.topic_name.is_empty() {
                        config.topic_name = key;
                    }
                    configs.push(config);
                }
                Ok(TopicConfigTable(configs))
            }
        }

        deserializer.deserialize_any(TableVisitor)
    }
}

/// A broker's topic table with its version: the core of a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicConfigSerializeWrapper {
    /// The table's version.
    #[serde(default)]
    pub data_version: DataVersion,
    /// The static-topic mapping version (5.x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_data_version: Option<DataVersion>,
    /// The topics.
    #[serde(default)]
    pub topic_config_table: TopicConfigTable,
    /// Static-topic queue mappings (5.x), keyed by topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_info_map: Option<BTreeMap<String, TopicQueueMappingInfo>>,
}

impl Default for TopicConfigSerializeWrapper {
    fn default() -> Self {
        TopicConfigSerializeWrapper {
            data_version: DataVersion::ZERO,
            mapping_data_version: None,
            topic_config_table: TopicConfigTable::default(),
            topic_queue_mapping_info_map: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::json;

    #[test]
    fn a_4x_topic_config_reads_with_defaults() {
        let config: TopicConfig = serde_json::from_str(
            r#"{"order":false,"perm":6,"readQueueNums":18,"topicFilterType":"SINGLE_TAG","topicName":"SCHEDULE_TOPIC_XXXX","topicSysFlag":0,"writeQueueNums":18}"#,
        )
        .unwrap();
        assert_eq!(config.read_queue_nums, 18);
        assert!(config.attributes.is_empty());
        let back = serde_json::to_string(&config).unwrap();
        assert!(back.starts_with(r#"{"order":false,"perm":6,"#), "{back}");
    }

    #[test]
    fn text_form_round_trips_and_drops_flags() {
        let mut config = TopicConfig::new("T1", 8);
        config.topic_sys_flag = 1;
        config.order = true;
        config
            .attributes
            .insert("+message.type".into(), "NORMAL".into());
        let text = config.encode_text();
        assert_eq!(text, r#"T1 8 8 6 SINGLE_TAG {"+message.type":"NORMAL"}"#);
        let back = TopicConfig::decode_text(&text).unwrap();
        assert_eq!(back.topic_sys_flag, 0);
        assert!(!back.order);
        assert_eq!(back.attributes, config.attributes);
        assert_eq!(TopicConfig::decode_text("T1 8 8"), None);
    }

    #[test]
    fn missing_data_version_fields_take_java_defaults() {
        let version: DataVersion = serde_json::from_str(r#"{"counter":3}"#).unwrap();
        assert_eq!(version.counter, 3);
        assert_eq!(version.state_version, 0);
        assert!(version.timestamp > 0);
    }

    #[test]
    fn topic_table_uses_keys_only_for_nameless_entries() {
        let wrapper: TopicConfigSerializeWrapper = json::from_slice(
            br#"{"dataVersion":{"counter":1,"timestamp":5},"topicConfigTable":{"a":{"topicName":"A"},"b":{}}}"#,
        )
        .unwrap();
        let names: Vec<_> = wrapper
            .topic_config_table
            .0
            .iter()
            .map(|c| c.topic_name.as_str())
            .collect();
        assert_eq!(names, ["A", "b"]);
    }

    #[test]
    fn topic_names_and_queue_counts() {
        assert!(validate_topic_name("TopicTest_1-a%b|c").is_ok());
        assert_eq!(
            validate_topic_name(" ").unwrap_err(),
            "The specified topic is blank."
        );
        assert!(
            validate_topic_name("has space")
                .unwrap_err()
                .contains("illegal characters")
        );
        assert!(
            validate_topic_name("ünïcode")
                .unwrap_err()
                .contains("illegal characters")
        );
        assert!(
            validate_topic_name(&"t".repeat(128))
                .unwrap_err()
                .contains("max length: 127")
        );
        assert!(validate_topic_name(&format!("%RETRY%{}", "g".repeat(200))).is_ok());
        assert!(validate_queue_nums("readQueueNums", 0).is_ok());
        assert!(validate_queue_nums("readQueueNums", -1).is_err());
        assert!(validate_queue_nums("writeQueueNums", i32::MAX).is_err());
        let mut config = TopicConfig::new("t", 4);
        config.write_queue_nums = -3;
        assert!(
            config
                .validate()
                .unwrap_err()
                .starts_with("topic t: The specified writeQueueNums: -3")
        );
    }

    #[test]
    fn perm_descriptions() {
        assert_eq!(perm::describe(6), "RW-");
        assert_eq!(perm::describe(7), "RWX");
        assert_eq!(perm::describe(4), "R--");
    }
}
