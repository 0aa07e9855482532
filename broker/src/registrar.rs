//! Keeping every name server informed: registration at startup, every
//! period, and on every topic change; unregistration at shutdown.
//!
//! Each round talks to all name servers in parallel, each call with its own
//! timeout, so one unreachable name server never delays the others. A name
//! server that missed rounds catches up with the next full registration.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::body::{
    DataVersion, KvTable, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper,
    TopicConfigTable, body_crc32,
};
use ferrymq_remoting::protocol::header::{
    BrokerIdentityRequestHeader, QueryDataVersionResponseHeader, RegisterBrokerRequestHeader,
    RegisterBrokerResponseHeader,
};
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::{RequestCode, response_code_name, version};
use futures_util::future::join_all;
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::config::EffectiveConfig;
use crate::topics::TopicStore;

/// How long shutdown waits for each name server to take the unregistration.
const UNREGISTER_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a slave's master is, as the name servers last said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterInfo {
    /// The master's address.
    pub master_addr: Option<String>,
    /// The master's replication address.
    pub ha_server_addr: Option<String>,
}

/// The outcome of one registration round, per name server.
#[derive(Debug, Default)]
pub struct RoundReport {
    /// Name servers that took the registration.
    pub registered: Vec<String>,
    /// Name servers that already had this version (forceRegister=false).
    pub up_to_date: Vec<String>,
    /// Name servers that failed, with why.
    pub failed: Vec<(String, String)>,
}

/// Registers the broker with its name servers.
#[derive(Debug)]
pub struct Registrar {
    client: RemotingClient,
    config: Arc<RwLock<EffectiveConfig>>,
    store: Arc<TopicStore>,
    master: Mutex<MasterInfo>,
    /// Topics changed since the last incremental registration.
    pending: Mutex<BTreeMap<String, TopicConfig>>,
    /// Wakes the loop for pending topics or an immediate full round.
    wake: Notify,
    full_round_requested: Mutex<bool>,
}

/// What one name server answered to a registration.
struct Answer {
    master: MasterInfo,
    order_topics: Option<BTreeMap<String, String>>,
}

impl Registrar {
    /// A registrar for the broker described by `config`.
    pub fn new(
        client: RemotingClient,
        config: Arc<RwLock<EffectiveConfig>>,
        store: Arc<TopicStore>,
    ) -> Self {
        Registrar {
            client,
            config,
            store,
            master: Mutex::new(MasterInfo::default()),
            pending: Mutex::new(BTreeMap::new()),
            wake: Notify::new(),
            full_round_requested: Mutex::new(false),
        }
    }

    /// Where the master is, for a slave.
    pub fn master(&self) -> MasterInfo {
        self.master.lock().clone()
    }

    /// Queues an immediate registration carrying the changed topics.
    pub fn topic_changed(&self, topic: TopicConfig) {
        self.pending.lock().insert(topic.topic_name.clone(), topic);
        self.wake.notify_one();
    }

    /// Queues an immediate full registration (after a permission change).
    pub fn request_full_round(&self) {
        *self.full_round_requested.lock() = true;
        self.wake.notify_one();
    }

    /// Registers at once, then every period and on every change, until
    /// `shutdown`; then unregisters from every name server.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        self.log_round("startup", self.register_all(true).await);
        loop {
            let period = self.config.read().register_period();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(period) => {
                    let force = self.config.read().values.force_register;
                    self.log_round("periodic", self.register_all(force).await);
                }
                _ = self.wake.notified() => {
                    if std::mem::take(&mut *self.full_round_requested.lock()) {
                        self.log_round("requested", self.register_all(true).await);
                    }
                    let topics: Vec<TopicConfig> =
                        std::mem::take(&mut *self.pending.lock()).into_values().collect();
                    if !topics.is_empty() {
                        self.log_round("topic change", self.register_topics(topics).await);
                    }
                }
            }
        }
        self.unregister_all().await;
    }

    fn log_round(&self, why: &str, report: RoundReport) {
        if !report.registered.is_empty() {
            debug!(why, name_servers = ?report.registered, "registered");
        }
        for (addr, error) in &report.failed {
            warn!(why, name_server = %addr, %error, "registration failed; the next round retries");
        }
    }

    /// One full registration round. With `force` false, each name server is
    /// first asked whether it has this broker's current version, and only
    /// those that do not (or do not answer) get the full table.
    pub async fn register_all(&self, force: bool) -> RoundReport {
        let (addrs, timeout, wrapper) = {
            let config = self.config.read();
            let wrapper = self
                .store
                .registration_snapshot(config.values.broker_permission);
            (config.namesrv_addrs(), self.call_timeout(&config), wrapper)
        };
        let mut report = RoundReport::default();
        let targets = if force {
            addrs
        } else {
            let version = wrapper.data_version;
            let checks = join_all(
                addrs
                    .iter()
                    .map(|addr| self.needs_registration(addr, &version, timeout)),
            )
            .await;
            let mut targets = Vec::new();
            for (addr, needed) in addrs.into_iter().zip(checks) {
                if needed {
                    targets.push(addr)
                } else {
                    report.up_to_date.push(addr)
                }
            }
            targets
        };
        self.send_registration(&targets, wrapper, timeout, &mut report)
            .await;
        report
    }

    /// An incremental registration carrying only `topics`; a name server that
    /// refuses it (it lost this broker, say, after a restart) gets the full
    /// table instead.
    pub async fn register_topics(&self, topics: Vec<TopicConfig>) -> RoundReport {
        let (addrs, timeout, broker_permission) = {
            let config = self.config.read();
            (
                config.namesrv_addrs(),
                self.call_timeout(&config),
                config.values.broker_permission,
            )
        };
        let wrapper = TopicConfigSerializeWrapper {
            data_version: self.store.data_version(),
            topic_config_table: TopicConfigTable(
                topics
                    .into_iter()
                    .map(|mut topic| {
                        topic.perm &= broker_permission;
                        topic
                    })
                    .collect(),
            ),
            ..Default::default()
        };
        let mut report = RoundReport::default();
        self.send_registration(&addrs, wrapper, timeout, &mut report)
            .await;
        if !report.failed.is_empty() {
            let retry: Vec<String> = report.failed.drain(..).map(|(addr, _)| addr).collect();
            let full = self.store.registration_snapshot(broker_permission);
            self.send_registration(&retry, full, timeout, &mut report)
                .await;
        }
        report
    }

    fn call_timeout(&self, config: &EffectiveConfig) -> Duration {
        Duration::from_millis(config.values.register_broker_timeout_mills.max(100))
    }

    async fn send_registration(
        &self,
        addrs: &[String],
        wrapper: TopicConfigSerializeWrapper,
        timeout: Duration,
        report: &mut RoundReport,
    ) {
        if addrs.is_empty() {
            return;
        }
        let request = self.registration_request(wrapper);
        let answers = join_all(
            addrs
                .iter()
                .map(|addr| self.register_with(addr, request.clone(), timeout)),
        )
        .await;
        let mut master = None;
        let mut order_topics = None;
        for (addr, answer) in addrs.iter().zip(answers) {
            match answer {
                Ok(answer) => {
                    report.registered.push(addr.clone());
                    // As in Java, the first name server's word counts.
                    master.get_or_insert(answer.master);
                    if order_topics.is_none() {
                        order_topics = answer.order_topics;
                    }
                }
                Err(error) => report.failed.push((addr.clone(), error)),
            }
        }
        if let Some(master) = master {
            let mut known = self.master.lock();
            if *known != master {
                info!(master = ?master.master_addr, ha = ?master.ha_server_addr, "master address from name server");
                *known = master;
            }
        }
        if let Some(order_topics) = order_topics {
            let ordered: BTreeSet<String> = order_topics.into_keys().collect();
            if let Err(error) = self.store.apply_order_topics(&ordered) {
                warn!(%error, "could not save ordered-topic flags");
            }
        }
    }

    fn registration_request(&self, wrapper: TopicConfigSerializeWrapper) -> RemotingCommand {
        let config = self.config.read();
        let values = &config.values;
        let body = RegisterBrokerBody {
            filter_server_list: vec![],
            topic_config_serialize_wrapper: wrapper,
        };
        let compressed = values.compressed_register;
        let bytes = if compressed {
            body.encode_compressed(version::CURRENT)
        } else {
            body.encode_json()
        };
        let header = RegisterBrokerRequestHeader {
            broker_name: values.broker_name.clone(),
            broker_addr: config.broker_addr(),
            cluster_name: values.broker_cluster_name.clone(),
            ha_server_addr: config.ha_server_addr(),
            broker_id: values.broker_id,
            heartbeat_timeout_millis: values
                .enable_slave_acting_master
                .then_some(values.broker_not_active_timeout_millis),
            enable_acting_master: Some(values.enable_slave_acting_master),
            compressed,
            body_crc32: body_crc32(&bytes),
            zone_name: None,
        };
        let request = RemotingCommand::request_with_header(RequestCode::RegisterBroker, &header)
            .with_body(Bytes::from(bytes));
        drop(config);
        self.signed(request)
    }

    /// Signs a request when the broker has an account.
    fn signed(&self, mut request: RemotingCommand) -> RemotingCommand {
        if let Some(credentials) = self.config.read().credentials() {
            credentials.sign(&mut request);
        }
        request
    }

    async fn register_with(
        &self,
        addr: &str,
        request: RemotingCommand,
        timeout: Duration,
    ) -> Result<Answer, String> {
        let response = self
            .client
            .invoke(addr, request, timeout)
            .await
            .map_err(|error| error.to_string())?;
        if !response.is_success() {
            return Err(format!(
                "{}: {}",
                response_code_name(response.code),
                response.remark.as_deref().unwrap_or("")
            ));
        }
        let header: RegisterBrokerResponseHeader =
            response.header().map_err(|error| error.to_string())?;
        let order_topics = if response.body.is_empty() {
            None
        } else {
            json::from_slice::<KvTable>(&response.body)
                .ok()
                .map(|kv| kv.table)
        };
        Ok(Answer {
            master: MasterInfo {
                master_addr: header.master_addr,
                ha_server_addr: header.ha_server_addr,
            },
            order_topics,
        })
    }

    /// QUERY_DATA_VERSION: whether the name server lacks `version`. A name
    /// server that cannot answer is registered with anyway.
    async fn needs_registration(
        &self,
        addr: &str,
        version: &DataVersion,
        timeout: Duration,
    ) -> bool {
        let request = self.signed(
            RemotingCommand::request_with_header(RequestCode::QueryDataVersion, &self.identity())
                .with_body(json::to_vec(version, KeyStyle::Standard)),
        );
        let Ok(response) = self.client.invoke(addr, request, timeout).await else {
            return true;
        };
        if !response.is_success() {
            return true;
        }
        let changed = response
            .header::<QueryDataVersionResponseHeader>()
            .map_or(true, |h| h.changed);
        let stored = json::from_slice::<DataVersion>(&response.body).ok();
        changed || stored.as_ref() != Some(version)
    }

    fn identity(&self) -> BrokerIdentityRequestHeader {
        let config = self.config.read();
        BrokerIdentityRequestHeader {
            broker_name: config.values.broker_name.clone(),
            broker_addr: config.broker_addr(),
            cluster_name: config.values.broker_cluster_name.clone(),
            broker_id: config.values.broker_id,
        }
    }

    /// UNREGISTER_BROKER to every name server, in parallel, each with a 3 s timeout.
    pub async fn unregister_all(&self) {
        let addrs = self.config.read().namesrv_addrs();
        let request = self.signed(RemotingCommand::request_with_header(
            RequestCode::UnregisterBroker,
            &self.identity(),
        ));
        let results = join_all(addrs.iter().map(|addr| {
            self.client
                .invoke(addr, request.clone(), UNREGISTER_TIMEOUT)
        }))
        .await;
        for (addr, result) in addrs.iter().zip(results) {
            match result {
                Ok(response) if response.is_success() => info!(name_server = %addr, "unregistered"),
                Ok(response) => {
                    warn!(name_server = %addr, code = %response_code_name(response.code), "unregistration refused")
                }
                Err(error) => warn!(name_server = %addr, %error, "unregistration failed"),
            }
        }
    }
}
