//! The name server's settings: the Java NamesrvConfig and NettyServerConfig
//! keys, plus a few of ferrymq's own.
//!
//! Settings come, later ones winning, from the defaults, the properties file
//! given with `-c`, the `ROCKETMQ_HOME` environment variable, and flags.
//! Keys the Java server knows but ferrymq has no use for (thread-pool sizes,
//! Netty buffer tuning) are accepted and listed, so existing files load
//! unchanged; they have no effect.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ferrymq_remoting::config::{
    ConfigError, ConfigFileError, first_blacklisted, read_properties_file, render_properties,
};
use ferrymq_remoting::config_struct;

use crate::route::RouteSettings;

/// The directory the Java name server keeps its files in: `~/namesrv`.
fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("namesrv")
}

config_struct! {
    /// Every setting of the name server, by its Java key.
    pub struct NamesrvConfig {
        /// RocketMQ's install directory; blacklisted for runtime updates.
        rocketmq_home: String = "rocketmqHome", default std::env::var("ROCKETMQ_HOME").unwrap_or_default();
        /// Where the KV configuration is persisted.
        kv_config_path: PathBuf = "kvConfigPath", default home_dir().join("kvConfig.json");
        /// Where UPDATE_NAMESRV_CONFIG writes the settings; the `-c` file if given.
        config_store_path: PathBuf = "configStorePath", default home_dir().join("namesrv.properties");
        /// Java cluster-test mode's product environment (accepted, unused).
        product_env_name: String = "productEnvName", default "center".to_owned();
        /// Java cluster-test mode (accepted, unused).
        cluster_test: bool = "clusterTest", default false;
        /// Add `orderTopicConf` from the KV config to routes.
        order_message_enable: bool = "orderMessageEnable", default false;
        /// Return the ORDER_TOPIC_CONFIG namespace to registering brokers.
        return_order_topic_config_to_broker: bool = "returnOrderTopicConfigToBroker", default true;
        /// Java route-lookup pool size (accepted, unused).
        client_request_thread_pool_nums: i32 = "clientRequestThreadPoolNums", default 8;
        /// Java route-lookup queue (accepted, unused).
        client_request_thread_pool_queue_capacity: i32 = "clientRequestThreadPoolQueueCapacity", default 50000;
        /// Java request pool size (accepted, unused).
        default_thread_pool_nums: i32 = "defaultThreadPoolNums", default 16;
        /// Java request queue (accepted, unused).
        default_thread_pool_queue_capacity: i32 = "defaultThreadPoolQueueCapacity", default 10000;
        /// How often silent brokers are looked for, in milliseconds.
        scan_not_active_broker_interval: u64 = "scanNotActiveBrokerInterval", default 5000;
        /// Java unregister queue (accepted, unused: unregistration is synchronous).
        unregister_broker_queue_capacity: i32 = "unRegisterBrokerQueueCapacity", default 3000;
        /// Show an acting master (a slave) as id 0 in routes of master-less groups.
        support_acting_master: bool = "supportActingMaster", default false;
        /// Serve GET_ALL_TOPIC_LIST_FROM_NAMESERVER.
        enable_all_topic_list: bool = "enableAllTopicList", default true;
        /// Serve the per-cluster and unit topic lists.
        enable_topic_list: bool = "enableTopicList", default true;
        /// Tell brokers when their group's smallest id changes (accepted, unused).
        notify_min_broker_id_changed: bool = "notifyMinBrokerIdChanged", default false;
        /// Java embedded controller (accepted, unused).
        enable_controller_in_namesrv: bool = "enableControllerInNamesrv", default false;
        /// Answer route lookups with SYSTEM_ERROR for a while after start.
        need_wait_for_service: bool = "needWaitForService", default false;
        /// How long that while is, in seconds.
        wait_seconds_for_service: u64 = "waitSecondsForService", default 45;
        /// Full registrations remove the broker's topics absent from them.
        delete_topic_with_broker_registration: bool = "deleteTopicWithBrokerRegistration", default false;
        /// Keys UPDATE_NAMESRV_CONFIG refuses, `;`-separated.
        config_black_list: String = "configBlackList", default "configBlackList;configStorePath;kvConfigPath".to_owned();
        /// The port to listen on.
        listen_port: u16 = "listenPort", default 9876;
        /// The address to listen on; loopback unless set, so nothing is
        /// exposed by accident.
        bind_address: String = "bindAddress", default "127.0.0.1".to_owned();
        /// Java worker threads (accepted, unused: the runtime has one per core).
        server_worker_threads: i32 = "serverWorkerThreads", default 8;
        /// Java callback threads (accepted, unused).
        server_callback_executor_threads: i32 = "serverCallbackExecutorThreads", default 0;
        /// Java selector threads (accepted, unused).
        server_selector_threads: i32 = "serverSelectorThreads", default 3;
        /// Java oneway permits (accepted, unused).
        server_oneway_semaphore_value: i32 = "serverOnewaySemaphoreValue", default 256;
        /// Java async permits (accepted, unused).
        server_async_semaphore_value: i32 = "serverAsyncSemaphoreValue", default 64;
        /// Close connections idle this long, in seconds.
        server_channel_max_idle_time_seconds: u64 = "serverChannelMaxIdleTimeSeconds", default 120;
        /// Socket send buffer (accepted, unused).
        server_socket_snd_buf_size: i32 = "serverSocketSndBufSize", default 0;
        /// Socket receive buffer (accepted, unused).
        server_socket_rcv_buf_size: i32 = "serverSocketRcvBufSize", default 0;
        /// Netty write watermark (accepted, unused).
        write_buffer_high_water_mark: i32 = "writeBufferHighWaterMark", default 0;
        /// Netty write watermark (accepted, unused).
        write_buffer_low_water_mark: i32 = "writeBufferLowWaterMark", default 0;
        /// Listen backlog (accepted, unused).
        server_socket_backlog: i32 = "serverSocketBacklog", default 1024;
        /// Netty allocator (accepted, unused).
        server_pooled_byte_buf_allocator_enable: bool = "serverPooledByteBufAllocatorEnable", default true;
        /// Netty shutdown (accepted, unused).
        enable_shutdown_gracefully: bool = "enableShutdownGracefully", default false;
        /// How long shutdown waits for requests in flight, in seconds.
        shutdown_wait_time_seconds: u64 = "shutdownWaitTimeSeconds", default 30;
        /// Netty epoll (accepted, unused).
        use_epoll_native_selector: bool = "useEpollNativeSelector", default false;
        /// ferrymq: threads serving requests; 0 for one per CPU core.
        worker_threads: usize = "workerThreads", default 0;
        /// ferrymq: refuse connections beyond this many.
        server_max_connections: usize = "serverMaxConnections", default 10_000;
        /// ferrymq: serve Prometheus metrics on this port (0: off).
        metrics_port: u16 = "metricsPort", default 0;
        /// Check requests that change state against the accounts of `aclFile`.
        acl_enable: bool = "aclEnable", default false;
        /// The accounts, in JSON with plain_acl.yml's field names; re-read when it changes.
        acl_file: PathBuf = "aclFile", default home_dir().join("acl.json");
        /// With access control on, route and other reads need an account too.
        acl_protect_reads: bool = "aclProtectReads", default false;
        /// Admin requests (KV, permissions, settings, topic deletion) allowed
        /// per second on one connection, in bursts of twice that; 0: no limit.
        admin_requests_per_second: u32 = "adminRequestsPerSecond", default 50;
        /// ferrymq: the memory encoded route responses may take in the cache.
        route_cache_max_bytes: usize = "routeCacheMaxBytes", default 64 * 1024 * 1024;
        /// ferrymq: the largest a compressed registration body may inflate to.
        register_body_max_inflated_bytes: usize = "registerBodyMaxInflatedBytes", default 64 * 1024 * 1024;
    }
}

/// Keys never changed at runtime, whatever `configBlackList` says.
const ALWAYS_BLACKLISTED: [&str; 6] = [
    "configBlackList",
    "configStorePath",
    "kvConfigPath",
    "rocketmqHome",
    "aclEnable",
    "aclFile",
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
}

/// The settings in force, with keys the file had that ferrymq does not know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectiveConfig {
    /// The known settings.
    pub values: NamesrvConfig,
    /// Other keys from the `-c` file, kept and reported as the Java server does.
    pub extra: BTreeMap<String, String>,
}

impl EffectiveConfig {
    /// Defaults, overlaid with the properties file at `path` if given; the
    /// file becomes the place runtime updates are saved to.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigLoadError> {
        let mut config = EffectiveConfig::default();
        if let Some(path) = path {
            config.apply(read_properties_file(path)?)?;
            config.values.config_store_path = path.to_owned();
        }
        Ok(config)
    }

    /// Applies `key=value` pairs; unknown keys are kept aside.
    pub fn apply(
        &mut self,
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (key, value) in pairs {
            if !self.values.set(&key, &value)? {
                self.extra.insert(key, value);
            }
        }
        Ok(())
    }

    /// Applies the pairs of keys this server knows, ignoring others, as a
    /// runtime update does; nothing changes if any value is invalid.
    pub fn update(&mut self, pairs: &[(String, String)]) -> Result<(), ConfigError> {
        let mut values = self.values.clone();
        for (key, value) in pairs {
            values.set(key, value)?;
        }
        self.values = values;
        Ok(())
    }

    /// Every setting, known and extra, as sorted `key=value` lines.
    pub fn to_properties(&self) -> String {
        render_properties(&self.extra, self.values.items())
    }

    /// The first of `keys` that UPDATE_NAMESRV_CONFIG must refuse.
    pub fn blacklisted<'a>(&self, keys: impl Iterator<Item = &'a str>) -> Option<&'a str> {
        first_blacklisted(&ALWAYS_BLACKLISTED, &self.values.config_black_list, keys)
    }

    /// The route-table settings among these.
    pub fn route_settings(&self) -> RouteSettings {
        RouteSettings {
            support_acting_master: self.values.support_acting_master,
            delete_topic_with_broker_registration: self
                .values
                .delete_topic_with_broker_registration,
            order_message_enable: self.values.order_message_enable,
        }
    }

    /// How often the scanner runs.
    pub fn scan_interval(&self) -> Duration {
        Duration::from_millis(self.values.scan_not_active_broker_interval.max(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_java_properties_file_loads_with_unknown_keys_kept() {
        let dir = std::env::temp_dir().join(format!("ferrymq-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("namesrv.properties");
        std::fs::write(
            &path,
            "listenPort=9877\norderMessageEnable=true\nsomethingElse=1\n",
        )
        .unwrap();
        let config = EffectiveConfig::load(Some(&path)).unwrap();
        assert_eq!(config.values.listen_port, 9877);
        assert!(config.values.order_message_enable);
        assert_eq!(config.values.config_store_path, path);
        assert_eq!(config.extra["somethingElse"], "1");
        let printed = config.to_properties();
        assert!(printed.contains("listenPort=9877\n"));
        assert!(printed.contains("somethingElse=1\n"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut config = EffectiveConfig::default();
        let error = config
            .apply([("listenPort".into(), "ninety".into())])
            .unwrap_err();
        assert_eq!(error.key, "listenPort");
        let missing = EffectiveConfig::load(Some(Path::new("/nonexistent/namesrv.properties")));
        assert!(matches!(
            missing,
            Err(ConfigLoadError::File(ConfigFileError::Read { .. }))
        ));
    }

    #[test]
    fn the_blacklist_includes_the_fixed_keys_and_the_setting() {
        let mut config = EffectiveConfig::default();
        assert_eq!(config.blacklisted(["enableTopicList"].into_iter()), None);
        assert_eq!(
            config.blacklisted(["kvConfigPath"].into_iter()),
            Some("kvConfigPath")
        );
        assert_eq!(
            config.blacklisted(["rocketmqHome"].into_iter()),
            Some("rocketmqHome")
        );
        config.values.config_black_list = "listenPort;bindAddress".into();
        assert_eq!(
            config.blacklisted(["bindAddress"].into_iter()),
            Some("bindAddress")
        );
        assert_eq!(
            config.blacklisted(["configStorePath"].into_iter()),
            Some("configStorePath")
        );
    }
}
