//! The KV configuration: namespaced key-value pairs set by admin tools,
//! persisted to `kvConfig.json` in the Java name server's format.
//!
//! The file is rewritten whole after every change, atomically, with the
//! previous version kept as `kvConfig.json.bak`. A file that exists but
//! cannot be read is a startup error: replacing it silently would lose an
//! operator's settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ferrymq_remoting::persist;
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};

/// The namespace holding ordered-topic configuration: topic → `broker:queues;...`.
pub const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

type Table = BTreeMap<String, BTreeMap<String, String>>;

/// The file's JSON shape.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KvFile {
    #[serde(default)]
    config_table: Table,
}

/// Why the KV configuration could not be loaded or saved.
pub type KvError = persist::StateFileError;

/// The KV configuration, in memory and on disk.
#[derive(Debug)]
pub struct KvStore {
    table: RwLock<Table>,
    path: Option<PathBuf>,
    /// Serializes file writes so the last write carries the latest table.
    persist_lock: Mutex<()>,
}

impl KvStore {
    /// A store that is never written to disk, for tests and tools.
    pub fn in_memory() -> Self {
        KvStore {
            table: RwLock::default(),
            path: None,
            persist_lock: Mutex::new(()),
        }
    }

    /// Loads the store from `path`; a missing file is an empty store.
    pub fn load(path: &Path) -> Result<Self, KvError> {
        let table = persist::load_json::<KvFile>(path, "KV config")?
            .map(|file| file.config_table)
            .unwrap_or_default();
        Ok(KvStore {
            table: RwLock::new(table),
            path: Some(path.to_owned()),
            persist_lock: Mutex::new(()),
        })
    }

    /// Sets a value and saves the file.
    pub fn put(&self, namespace: &str, key: &str, value: &str) -> Result<(), KvError> {
        self.table
            .write()
            .entry(namespace.to_owned())
            .or_default()
            .insert(key.to_owned(), value.to_owned());
        self.persist()
    }

    /// A value, if set.
    pub fn get(&self, namespace: &str, key: &str) -> Option<String> {
        self.table.read().get(namespace)?.get(key).cloned()
    }

    /// Removes a value and saves the file. The namespace stays, even empty.
    pub fn delete(&self, namespace: &str, key: &str) -> Result<(), KvError> {
        let removed = match self.table.write().get_mut(namespace) {
            Some(entries) => entries.remove(key).is_some(),
            None => false,
        };
        if removed { self.persist() } else { Ok(()) }
    }

    /// Every pair of a namespace, or `None` if it never existed.
    pub fn list(&self, namespace: &str) -> Option<BTreeMap<String, String>> {
        self.table.read().get(namespace).cloned()
    }

    /// The file the store is saved to.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn persist(&self) -> Result<(), KvError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let _writing = self.persist_lock.lock();
        let content = persist::to_json(&KvFileRef {
            config_table: &self.table.read(),
        });
        persist::save(path, &content)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KvFileRef<'a> {
    config_table: &'a Table,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ferrymq-kv-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("kvConfig.json")
    }

    #[test]
    fn put_get_delete_and_list() {
        let store = KvStore::in_memory();
        assert_eq!(store.get("ns", "k"), None);
        store.put("ns", "k", "v").unwrap();
        assert_eq!(store.get("ns", "k").as_deref(), Some("v"));
        assert_eq!(store.list("ns").unwrap().len(), 1);
        store.delete("ns", "k").unwrap();
        assert_eq!(store.get("ns", "k"), None);
        assert_eq!(
            store.list("ns"),
            Some(BTreeMap::new()),
            "an emptied namespace remains"
        );
        assert_eq!(store.list("other"), None);
    }

    #[test]
    fn persists_in_the_java_format_and_reloads() {
        let path = temp_path("reload");
        let store = KvStore::load(&path).unwrap();
        store.put(ORDER_TOPIC_CONFIG, "t", "broker-a:4").unwrap();
        store.put("ns", "k", "v").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            r#"{"configTable":{"ORDER_TOPIC_CONFIG":{"t":"broker-a:4"},"ns":{"k":"v"}}}"#
        );
        let backup = std::fs::read_to_string(persist::sibling(&path, "bak")).unwrap();
        assert_eq!(
            backup,
            r#"{"configTable":{"ORDER_TOPIC_CONFIG":{"t":"broker-a:4"}}}"#
        );
        let reloaded = KvStore::load(&path).unwrap();
        assert_eq!(reloaded.get("ns", "k").as_deref(), Some("v"));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_corrupt_file_is_an_error_and_stays_as_it_was() {
        let path = temp_path("corrupt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"{\"configTable\":").unwrap();
        let error = KvStore::load(&path).unwrap_err();
        assert!(
            error.to_string().contains("not a valid KV config file"),
            "{error}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"configTable\":");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
