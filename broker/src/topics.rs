//! The broker's topic table: what it registers with the name servers.
//!
//! The table is persisted to `<storePathRootDir>/config/topics.json` in the
//! Java broker's format after every change, atomically, with the previous
//! version kept as `topics.json.bak`. Every change moves the table's
//! DataVersion on, which is how name servers notice it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ferrymq_remoting::persist;
use ferrymq_remoting::protocol::body::{
    DataVersion, TopicConfig, TopicConfigSerializeWrapper, TopicConfigTable, perm,
};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};

use crate::config::BrokerConfig;

/// The auto-create template topic.
pub const AUTO_CREATE_TOPIC: &str = "TBW102";
/// Prefix of 5.x system topics.
pub const SYSTEM_TOPIC_PREFIX: &str = "rmq_sys_";

/// Topics every broker may hold that admin requests must not create or delete.
const FIXED_SYSTEM_TOPICS: [&str; 10] = [
    AUTO_CREATE_TOPIC,
    "SCHEDULE_TOPIC_XXXX",
    "BenchmarkTest",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRACE_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
    "CHECKPOINT_TOPIC",
];

/// The file's JSON shape, as the Java broker writes it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TopicsFile {
    #[serde(default)]
    data_version: DataVersion,
    #[serde(default)]
    topic_config_table: BTreeMap<String, TopicConfig>,
}

/// Why the topic table could not be loaded or saved.
pub type TopicStoreError = persist::StateFileError;

#[derive(Debug)]
struct Table {
    version: DataVersion,
    topics: BTreeMap<String, TopicConfig>,
}

/// The broker's topics, in memory and on disk.
#[derive(Debug)]
pub struct TopicStore {
    table: RwLock<Table>,
    system_topics: BTreeSet<String>,
    path: Option<PathBuf>,
    persist_lock: Mutex<()>,
}

impl TopicStore {
    /// Loads the table from `path` (or starts empty), then adds the system
    /// topics a Java broker creates at startup, and saves it.
    pub fn open(path: &Path, config: &BrokerConfig) -> Result<Self, TopicStoreError> {
        let file = persist::load_json::<TopicsFile>(path, "topic config")?;
        let store = Self::build(file, Some(path.to_owned()), config);
        store.persist()?;
        Ok(store)
    }

    /// A table that is never saved, for tests.
    pub fn in_memory(config: &BrokerConfig) -> Self {
        Self::build(None, None, config)
    }

    fn build(file: Option<TopicsFile>, path: Option<PathBuf>, config: &BrokerConfig) -> Self {
        let (version, mut topics) = match file {
            Some(file) => (file.data_version, file.topic_config_table),
            None => (DataVersion::default(), BTreeMap::new()),
        };
        let system = system_topics(config);
        let system_topics = FIXED_SYSTEM_TOPICS
            .iter()
            .map(|name| name.to_string())
            .chain(system.iter().map(|topic| topic.topic_name.clone()))
            .collect();
        for topic in system {
            topics.insert(topic.topic_name.clone(), topic);
        }
        if !config.auto_create_topic_enable {
            topics.remove(AUTO_CREATE_TOPIC);
        }
        TopicStore {
            table: RwLock::new(Table { version, topics }),
            system_topics,
            path,
            persist_lock: Mutex::new(()),
        }
    }

    /// Whether admin requests must leave `topic` alone.
    pub fn is_system_topic(&self, topic: &str) -> bool {
        self.system_topics.contains(topic) || topic.starts_with(SYSTEM_TOPIC_PREFIX)
    }

    /// A topic's configuration.
    pub fn get(&self, topic: &str) -> Option<TopicConfig> {
        self.table.read().topics.get(topic).cloned()
    }

    /// The number of topics.
    pub fn len(&self) -> usize {
        self.table.read().topics.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table's version.
    pub fn data_version(&self) -> DataVersion {
        self.table.read().version
    }

    /// Creates or replaces a topic. Returns the new version, or `None` when
    /// the topic was already exactly this (nothing changed, nothing saved).
    pub fn upsert(&self, config: TopicConfig) -> Result<Option<DataVersion>, TopicStoreError> {
        let version = {
            let mut table = self.table.write();
            if table.topics.get(&config.topic_name) == Some(&config) {
                return Ok(None);
            }
            table.topics.insert(config.topic_name.clone(), config);
            table.version.bump();
            table.version
        };
        self.persist()?;
        Ok(Some(version))
    }

    /// Deletes a topic. Returns whether it existed.
    pub fn delete(&self, topic: &str) -> Result<bool, TopicStoreError> {
        let removed = {
            let mut table = self.table.write();
            let removed = table.topics.remove(topic).is_some();
            if removed {
                table.version.bump();
            }
            removed
        };
        if removed {
            self.persist()?;
        }
        Ok(removed)
    }

    /// Moves the version on without changing a topic, so name servers
    /// rewrite every queue (after a change of the broker's permission).
    pub fn bump_version(&self) -> Result<DataVersion, TopicStoreError> {
        let version = {
            let mut table = self.table.write();
            table.version.bump();
            table.version
        };
        self.persist()?;
        Ok(version)
    }

    /// Marks the topics a name server lists as ordered, and only those.
    pub fn apply_order_topics(&self, ordered: &BTreeSet<String>) -> Result<(), TopicStoreError> {
        let changed = {
            let mut table = self.table.write();
            let mut changed = false;
            for (name, config) in &mut table.topics {
                let order = ordered.contains(name);
                if config.order != order {
                    config.order = order;
                    changed = true;
                }
            }
            if changed {
                table.version.bump();
            }
            changed
        };
        if changed { self.persist() } else { Ok(()) }
    }

    /// Every topic with the version, as the wire and `GET_ALL_TOPIC_CONFIG` carry them.
    pub fn snapshot(&self) -> TopicConfigSerializeWrapper {
        let table = self.table.read();
        TopicConfigSerializeWrapper {
            data_version: table.version,
            topic_config_table: TopicConfigTable(table.topics.values().cloned().collect()),
            ..Default::default()
        }
    }

    /// The table as registered: each topic's permission limited by the
    /// broker's. As in Java, a limited copy keeps only name, queue counts
    /// and permission.
    pub fn registration_snapshot(&self, broker_permission: i32) -> TopicConfigSerializeWrapper {
        let mut wrapper = self.snapshot();
        if broker_permission != perm::READ_WRITE {
            for config in &mut wrapper.topic_config_table.0 {
                *config = TopicConfig {
                    topic_name: std::mem::take(&mut config.topic_name),
                    read_queue_nums: config.read_queue_nums,
                    write_queue_nums: config.write_queue_nums,
                    perm: config.perm & broker_permission,
                    ..TopicConfig::default()
                };
            }
        }
        wrapper
    }

    fn persist(&self) -> Result<(), TopicStoreError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let _writing = self.persist_lock.lock();
        let content = {
            let table = self.table.read();
            persist::to_json(&TopicsFileRef {
                data_version: &table.version,
                topic_config_table: &table.topics,
            })
        };
        persist::save(path, &content)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TopicsFileRef<'a> {
    data_version: &'a DataVersion,
    topic_config_table: &'a BTreeMap<String, TopicConfig>,
}

/// The topics a Java 5.x broker creates at startup (without the timer and
/// trace topics, which need features ferrymq does not have).
fn system_topics(config: &BrokerConfig) -> Vec<TopicConfig> {
    let with = |name: String, queues: i32, perm: i32| {
        let mut topic = TopicConfig::new(name, queues);
        topic.perm = perm;
        topic
    };
    let rw = perm::READ_WRITE;
    let inherit_rw = |enabled: bool| perm::INHERIT | if enabled { perm::READ_WRITE } else { 0 };
    let cluster = &config.broker_cluster_name;
    let mut topics = vec![with("SELF_TEST_TOPIC".into(), 1, rw)];
    if config.auto_create_topic_enable {
        topics.push(with(
            AUTO_CREATE_TOPIC.into(),
            config.default_topic_queue_nums,
            perm::INHERIT | rw,
        ));
    }
    topics.extend([
        with("BenchmarkTest".into(), 1024, rw),
        with(cluster.clone(), 16, inherit_rw(config.cluster_topic_enable)),
        with(
            config.broker_name.clone(),
            1,
            inherit_rw(config.broker_topic_enable),
        ),
        with("OFFSET_MOVED_EVENT".into(), 1, rw),
        with("SCHEDULE_TOPIC_XXXX".into(), 18, rw),
        with(format!("{cluster}_REPLY_TOPIC"), 1, rw),
        with(
            format!("{SYSTEM_TOPIC_PREFIX}REVIVE_LOG_{cluster}"),
            config.revive_queue_num,
            rw,
        ),
        with(
            format!(
                "{SYSTEM_TOPIC_PREFIX}SYNC_BROKER_MEMBER_{}",
                config.broker_name
            ),
            1,
            perm::INHERIT,
        ),
        with("RMQ_SYS_TRANS_HALF_TOPIC".into(), 1, rw),
        with("RMQ_SYS_TRANS_OP_HALF_TOPIC".into(), 1, rw),
    ]);
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> BrokerConfig {
        BrokerConfig {
            broker_name: "broker-a".into(),
            ..BrokerConfig::default()
        }
    }

    fn temp_path(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ferrymq-topics-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("config/topics.json")
    }

    #[test]
    fn system_topics_are_created_like_a_java_broker() {
        let store = TopicStore::in_memory(&config());
        let tbw = store.get("TBW102").unwrap();
        assert_eq!((tbw.perm, tbw.read_queue_nums), (7, 8));
        assert_eq!(store.get("SELF_TEST_TOPIC").unwrap().read_queue_nums, 1);
        assert_eq!(store.get("DefaultCluster").unwrap().perm, 7);
        assert_eq!(store.get("broker-a").unwrap().perm, 7);
        assert!(store.get("OFFSET_MOVED_EVENT").is_some());
        assert!(store.is_system_topic("broker-a"));
        assert!(store.is_system_topic("rmq_sys_anything"));
        assert!(!store.is_system_topic("orders"));

        let no_auto = BrokerConfig {
            auto_create_topic_enable: false,
            ..config()
        };
        assert!(TopicStore::in_memory(&no_auto).get("TBW102").is_none());
    }

    #[test]
    fn changes_bump_the_version_and_persist() {
        let path = temp_path("persist");
        let store = TopicStore::open(&path, &config()).unwrap();
        let start = store.data_version();
        let version = store
            .upsert(TopicConfig::new("orders", 4))
            .unwrap()
            .unwrap();
        assert_eq!(version.counter, start.counter + 1);
        assert_eq!(
            store.upsert(TopicConfig::new("orders", 4)).unwrap(),
            None,
            "unchanged"
        );
        let reopened = TopicStore::open(&path, &config()).unwrap();
        assert_eq!(reopened.get("orders").unwrap().write_queue_nums, 4);
        assert_eq!(reopened.data_version(), version);
        assert!(reopened.delete("orders").unwrap());
        assert!(!reopened.delete("orders").unwrap());
        assert!(persist::sibling(&path, "bak").exists());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(r#"{"dataVersion":{"counter":"#), "{text}");
        std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn a_corrupt_file_is_an_error() {
        let path = temp_path("corrupt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"[not json").unwrap();
        let error = TopicStore::open(&path, &config()).unwrap_err();
        assert!(
            error.to_string().contains("not a valid topic config file"),
            "{error}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"[not json");
        std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn registration_masks_permissions_with_the_brokers() {
        let store = TopicStore::in_memory(&config());
        let mut ordered = TopicConfig::new("orders", 4);
        ordered.order = true;
        store.upsert(ordered).unwrap();
        let read_only = store.registration_snapshot(perm::READ);
        let orders = read_only
            .topic_config_table
            .0
            .iter()
            .find(|t| t.topic_name == "orders")
            .unwrap();
        assert_eq!(orders.perm, 4);
        assert!(
            !orders.order,
            "a masked copy keeps only name, queues and perm"
        );
        let full = store.registration_snapshot(perm::READ_WRITE);
        let orders = full
            .topic_config_table
            .0
            .iter()
            .find(|t| t.topic_name == "orders")
            .unwrap();
        assert_eq!(orders.perm, 6);
    }
}
