//! The broker's settings, under the Java broker's keys.
//!
//! Settings come, later ones winning, from the defaults, the properties file
//! given with `-c`, the `NAMESRV_ADDR` environment variable (for
//! `namesrvAddr` when the file does not set it), and flags. Keys a Java
//! broker knows but ferrymq has no use for are kept and listed back, so
//! existing `broker.conf` files load unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ferrymq_remoting::config::{
    ConfigError, ConfigFileError, first_blacklisted, read_properties_file, render_properties,
};
use ferrymq_remoting::config_struct;
use ferrymq_remoting::protocol::body::perm;

fn default_broker_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "broker-a".to_owned())
}

fn default_store_root() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("store")
}

config_struct! {
    /// The broker settings ferrymq acts on, by their Java keys.
    pub struct BrokerConfig {
        /// The cluster this broker belongs to.
        broker_cluster_name: String = "brokerClusterName", default "DefaultCluster".to_owned();
        /// The broker group's name; the host name by default, as in Java.
        broker_name: String = "brokerName", default default_broker_name();
        /// 0 for the master, above 0 for slaves.
        broker_id: i64 = "brokerId", default 0;
        /// Name servers, `;`-separated; `NAMESRV_ADDR` if unset.
        namesrv_addr: String = "namesrvAddr", default String::new();
        /// The port clients and admin tools connect to.
        listen_port: u16 = "listenPort", default 10911;
        /// The address to listen on; loopback unless set, so nothing is exposed by accident.
        bind_address: String = "bindAddress", default "127.0.0.1".to_owned();
        /// The address registered for clients; the bind address unless set.
        broker_ip1: String = "brokerIP1", default String::new();
        /// The address registered for replication; brokerIP1 unless set.
        broker_ip2: String = "brokerIP2", default String::new();
        /// The replication port registered as the HA address; listenPort + 1 unless set.
        ha_listen_port: u16 = "haListenPort", default 0;
        /// Where the broker keeps its files (topics in `config/topics.json`).
        store_path_root_dir: PathBuf = "storePathRootDir", default default_store_root();
        /// Create TBW102, from which topics are created on first send.
        auto_create_topic_enable: bool = "autoCreateTopicEnable", default true;
        /// The broker's permission, applied to every topic it registers (6 read-write, 4 read-only, 2 write-only).
        broker_permission: i32 = "brokerPermission", default perm::READ_WRITE;
        /// Milliseconds between registrations; kept within 10 to 60 seconds.
        register_name_server_period: u64 = "registerNameServerPeriod", default 30_000;
        /// Register fully every period; when false, ask the name servers first.
        force_register: bool = "forceRegister", default true;
        /// Send the zlib-compressed 4.x registration body.
        compressed_register: bool = "compressedRegister", default false;
        /// Queues of TBW102 and of auto-created topics.
        default_topic_queue_nums: i32 = "defaultTopicQueueNums", default 8;
        /// How long a registration may take per name server, in milliseconds.
        register_broker_timeout_mills: u64 = "registerBrokerTimeoutMills", default 24_000;
        /// Serve the cluster-name topic for reading and writing.
        cluster_topic_enable: bool = "clusterTopicEnable", default true;
        /// Serve the broker-name topic for reading and writing.
        broker_topic_enable: bool = "brokerTopicEnable", default true;
        /// Refuse creating or deleting system topics through admin requests.
        validate_system_topic_when_update_topic: bool = "validateSystemTopicWhenUpdateTopic", default true;
        /// Let a slave act as master when its master is gone (5.x).
        enable_slave_acting_master: bool = "enableSlaveActingMaster", default false;
        /// The name-server timeout an acting-master broker asks for, in milliseconds.
        broker_not_active_timeout_millis: i64 = "brokerNotActiveTimeoutMillis", default 10_000;
        /// Revive queues of the cluster's pop-consumption topic.
        revive_queue_num: i32 = "reviveQueueNum", default 8;
        /// Keys UPDATE_BROKER_CONFIG refuses, `;`-separated, besides the fixed ones.
        config_black_list: String = "configBlackList", default "configBlackList;brokerConfigPath".to_owned();
        /// Check admin requests (topic and config changes) against the accounts of `aclFile`.
        acl_enable: bool = "aclEnable", default false;
        /// The accounts, in JSON with plain_acl.yml's field names; re-read when it changes.
        acl_file: PathBuf = "aclFile", default default_store_root().join("config").join("acl.json");
        /// With access control on, reads need an account too.
        acl_protect_reads: bool = "aclProtectReads", default false;
        /// Admin requests allowed per second on one connection, in bursts of twice that; 0: no limit.
        admin_requests_per_second: u32 = "adminRequestsPerSecond", default 50;
        /// The account this broker signs its requests to name servers with.
        access_key: String = "accessKey", default String::new();
        /// Its secret.
        secret_key: String = "secretKey", default String::new();
        /// Refuse connections beyond this many.
        server_max_connections: usize = "serverMaxConnections", default 10_000;
        /// Close connections idle this long, in seconds.
        server_channel_max_idle_time_seconds: u64 = "serverChannelMaxIdleTimeSeconds", default 120;
    }
}

/// Keys never changed at runtime, whatever `configBlackList` says.
const ALWAYS_BLACKLISTED: [&str; 8] = [
    "brokerConfigPath",
    "rocketmqHome",
    "configBlackList",
    "storePathRootDir",
    "aclEnable",
    "aclFile",
    "accessKey",
    "secretKey",
];

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigLoadError {
    /// The `-c` file could not be read or parsed.
    #[error(transparent)]
    File(#[from] ConfigFileError),
    /// A value does not fit its setting.
    #[error("{0}")]
    Value(#[from] ConfigError),
    /// The settings contradict each other or cannot work.
    #[error("{0}")]
    Invalid(String),
}

/// The settings in force, with the keys ferrymq does not act on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectiveConfig {
    /// The settings ferrymq acts on.
    pub values: BrokerConfig,
    /// Other keys from the file or updates, kept and listed.
    pub extra: BTreeMap<String, String>,
    /// The `-c` file, where runtime updates are saved.
    pub config_file: Option<PathBuf>,
}

impl EffectiveConfig {
    /// Defaults overlaid with the properties file at `path`, if given.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigLoadError> {
        let mut config = EffectiveConfig::default();
        if let Some(path) = path {
            config.apply(read_properties_file(path)?)?;
            config.config_file = Some(path.to_owned());
        }
        Ok(config)
    }

    /// Applies `key=value` pairs; unknown keys are kept aside.
    pub fn apply(
        &mut self,
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        let mut values = self.values.clone();
        let mut extra = self.extra.clone();
        for (key, value) in pairs {
            if !values.set(&key, &value)? {
                extra.insert(key, value);
            }
        }
        self.values = values;
        self.extra = extra;
        Ok(())
    }

    /// Fills the settings that default to others, and checks the result.
    pub fn resolve(mut self) -> Result<Self, ConfigLoadError> {
        let values = &mut self.values;
        if values.namesrv_addr.trim().is_empty() {
            values.namesrv_addr = std::env::var("NAMESRV_ADDR").unwrap_or_default();
        }
        if values.broker_ip1.is_empty() {
            values.broker_ip1 = match values.bind_address.as_str() {
                // A wildcard bind says nothing about the address clients can reach.
                "0.0.0.0" | "::" => "127.0.0.1".to_owned(),
                address => address.to_owned(),
            };
        }
        if values.broker_ip2.is_empty() {
            values.broker_ip2.clone_from(&values.broker_ip1);
        }
        if values.ha_listen_port == 0 {
            values.ha_listen_port = values.listen_port.checked_add(1).ok_or_else(|| {
                ConfigLoadError::Invalid(
                    "listenPort 65535 leaves no port for haListenPort; set it".into(),
                )
            })?;
        }
        if values.broker_name.trim().is_empty() {
            return Err(ConfigLoadError::Invalid(
                "brokerName must not be empty".into(),
            ));
        }
        if values.broker_id < 0 {
            return Err(ConfigLoadError::Invalid(format!(
                "brokerId {} must be 0 or more",
                values.broker_id
            )));
        }
        if !(0..=7).contains(&values.broker_permission) {
            return Err(ConfigLoadError::Invalid(format!(
                "brokerPermission {} is not a permission (2 write, 4 read, 6 read-write)",
                values.broker_permission
            )));
        }
        Ok(self)
    }

    /// The name servers to register with.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        ferrymq_remoting::client::parse_addr_list(&self.values.namesrv_addr)
    }

    /// `brokerIP1:listenPort`, the address registered for clients.
    pub fn broker_addr(&self) -> String {
        format!("{}:{}", self.values.broker_ip1, self.values.listen_port)
    }

    /// `brokerIP2:haListenPort`, the address registered for replication.
    pub fn ha_server_addr(&self) -> String {
        format!("{}:{}", self.values.broker_ip2, self.values.ha_listen_port)
    }

    /// The registration period, kept within 10 to 60 seconds as Java does.
    pub fn register_period(&self) -> Duration {
        Duration::from_millis(
            self.values
                .register_name_server_period
                .clamp(10_000, 60_000),
        )
    }

    /// The account to sign requests to name servers with, if one is set.
    pub fn credentials(&self) -> Option<ferrymq_remoting::acl::Credentials> {
        let values = &self.values;
        (!values.access_key.is_empty()).then(|| ferrymq_remoting::acl::Credentials {
            access_key: values.access_key.clone(),
            secret_key: values.secret_key.clone(),
        })
    }

    /// Where the topic table is persisted.
    pub fn topics_path(&self) -> PathBuf {
        self.values
            .store_path_root_dir
            .join("config")
            .join("topics.json")
    }

    /// The settings as shown to operators and admin tools: the secret is masked.
    pub fn to_public_properties(&self) -> String {
        let mut public = self.clone();
        if !public.values.secret_key.is_empty() {
            public.values.secret_key = "******".into();
        }
        public.to_properties()
    }

    /// Every setting, known and extra, as sorted `key=value` lines.
    pub fn to_properties(&self) -> String {
        render_properties(&self.extra, self.values.items())
    }

    /// The first of `keys` that UPDATE_BROKER_CONFIG must refuse.
    pub fn blacklisted<'a>(&self, keys: impl Iterator<Item = &'a str>) -> Option<&'a str> {
        first_blacklisted(&ALWAYS_BLACKLISTED, &self.values.config_black_list, keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_java_broker_conf_loads() {
        let dir =
            std::env::temp_dir().join(format!("ferrymq-broker-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broker.conf");
        std::fs::write(
            &path,
            "brokerClusterName = DefaultCluster\nbrokerName = broker-a\nbrokerId = 0\ndeleteWhen = 04\n\
             fileReservedTime = 48\nbrokerRole = ASYNC_MASTER\nflushDiskType = ASYNC_FLUSH\n\
             namesrvAddr=127.0.0.1:9876;127.0.0.1:9877\nlistenPort=10921\n",
        )
        .unwrap();
        let config = EffectiveConfig::load(Some(&path))
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(config.values.broker_name, "broker-a");
        assert_eq!(config.namesrv_addrs(), ["127.0.0.1:9876", "127.0.0.1:9877"]);
        assert_eq!(config.broker_addr(), "127.0.0.1:10921");
        assert_eq!(config.ha_server_addr(), "127.0.0.1:10922");
        assert_eq!(config.extra["brokerRole"], "ASYNC_MASTER");
        assert!(config.to_properties().contains("deleteWhen=04\n"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_period_is_clamped() {
        let mut config = EffectiveConfig::default();
        config.values.register_name_server_period = 1000;
        assert_eq!(config.register_period(), Duration::from_secs(10));
        config.values.register_name_server_period = 600_000;
        assert_eq!(config.register_period(), Duration::from_secs(60));
    }

    #[test]
    fn impossible_settings_are_refused() {
        let mut config = EffectiveConfig::default();
        config.values.broker_permission = 9;
        assert!(config.resolve().is_err());
        let mut config = EffectiveConfig::default();
        config.values.broker_id = -1;
        assert!(config.resolve().is_err());
    }
}
