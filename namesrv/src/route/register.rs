//! Broker registration, heartbeats and data-version queries.
//!
//! [`RouteTable::register_broker`] follows the Java name server step by
//! step (its numbered comments match the reference's steps).
//! [`RouteTable::register_unchanged`] is the short cut for the periodic
//! re-registration that changes nothing, which is nearly every one.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrymq_remoting::protocol::body::{
    DataVersion, QueueData, RegisterBrokerBody, TopicConfig, perm,
};
use ferrymq_remoting::server::ConnectionId;

use super::state::{BrokerGroup, LiveBroker, QueueEntry, RegistrationMark, RouteState};
use super::{DEFAULT_BROKER_TIMEOUT, RouteTable};

/// Who is registering: the REGISTER_BROKER header, plus the connection.
#[derive(Debug, Clone, Default)]
pub struct BrokerRegistration {
    /// The broker's cluster.
    pub cluster: String,
    /// The broker's address, `ip:port`.
    pub addr: String,
    /// The broker group's name.
    pub name: String,
    /// 0 for the master, above 0 for slaves.
    pub id: i64,
    /// Where slaves replicate from this broker.
    pub ha_server_addr: String,
    /// The broker's zone, if it sent one.
    pub zone: Option<String>,
    /// How long the broker may stay silent; the default if `None`.
    pub timeout: Option<Duration>,
    /// Absent for brokers older than 5.0, which know nothing of acting masters.
    pub enable_acting_master: Option<bool>,
    /// The connection the registration came on; closing it unregisters.
    pub connection: Option<ConnectionId>,
}

/// Identifies a registration body without parsing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyFingerprint {
    crc32: u32,
    len: usize,
    compressed: bool,
    request_version: i32,
}

impl BodyFingerprint {
    /// The fingerprint of a body as it arrived; how it parses depends on the
    /// compression flag and the request version, so both are part of it.
    pub fn of(body: &[u8], compressed: bool, request_version: i32) -> Self {
        Self::with_crc32(crc32fast::hash(body), body, compressed, request_version)
    }

    /// The same, reusing the body's CRC-32 computed for the header check.
    pub fn with_crc32(crc32: u32, body: &[u8], compressed: bool, request_version: i32) -> Self {
        BodyFingerprint {
            crc32,
            len: body.len(),
            compressed,
            request_version,
        }
    }
}

/// What a registered broker is told: where its master is, for a slave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterResult {
    /// The group master's address.
    pub master_addr: Option<String>,
    /// The group master's HA address.
    pub ha_server_addr: Option<String>,
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// A single-topic (incremental) registration from a broker id the name
    /// server has not seen a full registration from.
    #[error("register broker failed")]
    NotRegisteredYet,
}

impl RouteTable {
    /// Applies a registration whose body is the very one this broker sent
    /// last time, without the body.
    ///
    /// Returns `None`, having changed nothing, when the short cut does not
    /// apply: the body or the broker's role differs from last time, the
    /// group lost this broker, or any topic or queue entry has appeared or
    /// disappeared since, which a full registration might have to repair.
    /// The caller then parses the body and calls [`register_broker`](Self::register_broker).
    pub fn register_unchanged(
        &self,
        registration: &BrokerRegistration,
        fingerprint: BodyFingerprint,
        now: Instant,
    ) -> Option<RegisterResult> {
        self.state
            .write()
            .register_unchanged(registration, fingerprint, now)
    }

    /// Registers a broker with its topic table.
    pub fn register_broker(
        &self,
        registration: &BrokerRegistration,
        body: &RegisterBrokerBody,
        fingerprint: Option<BodyFingerprint>,
        now: Instant,
    ) -> Result<RegisterResult, RegisterError> {
        self.state
            .write()
            .register_broker(registration, body, fingerprint, now)
    }

    /// QUERY_DATA_VERSION: whether `version` differs from the one the broker
    /// last registered, and that stored version. Counts as a heartbeat.
    pub fn query_data_version(
        &self,
        cluster: &str,
        addr: &str,
        version: &DataVersion,
        now: Instant,
    ) -> (bool, Option<DataVersion>) {
        let mut state = self.state.write();
        match state.live_broker_mut(cluster, addr) {
            Some(live) => {
                live.last_update = now;
                (live.data_version != *version, Some(live.data_version))
            }
            None => (true, None),
        }
    }

    /// BROKER_HEARTBEAT: refreshes a live broker. Returns whether it was known.
    pub fn heartbeat(&self, cluster: &str, addr: &str, now: Instant) -> bool {
        let mut state = self.state.write();
        match state.live_broker_mut(cluster, addr) {
            Some(live) => {
                live.last_update = now;
                true
            }
            None => false,
        }
    }

    /// REGISTER_TOPIC_IN_NAMESRV: adds queues of known broker groups to a
    /// topic. An unknown group stops the operation there; a topic that did
    /// not exist is then not created at all.
    pub fn register_topic(&self, topic: &str, queue_datas: &[QueueData]) {
        self.state.write().register_topic(topic, queue_datas);
    }
}

impl RouteState {
    fn register_unchanged(
        &mut self,
        registration: &BrokerRegistration,
        fingerprint: BodyFingerprint,
        now: Instant,
    ) -> Option<RegisterResult> {
        let BrokerRegistration {
            cluster,
            addr,
            name,
            id,
            ..
        } = registration;
        let mark = self.live_broker(cluster, addr)?.last_registration?;
        if mark.body != fingerprint
            || mark.group_changed != self.group_changed(name)
            || mark.settings_generation != self.settings_generation
        {
            return None;
        }
        let group = self.brokers.get(name.as_str())?;
        if group.addrs.get(id).map(String::as_str) != Some(addr.as_str()) {
            return None;
        }
        let writes_topics = is_topic_writer(group, *id, registration.enable_acting_master);
        if writes_topics && !mark.wrote_topics {
            return None;
        }
        let cluster_key = self.cluster_key(cluster);
        self.clusters
            .entry(cluster_key.clone())
            .or_default()
            .insert(group.name.clone());
        self.update_group_flags(registration);
        let live = self.live_broker_mut(cluster, addr).expect("checked above");
        live.last_update = now;
        live.timeout = registration.timeout.unwrap_or(DEFAULT_BROKER_TIMEOUT);
        live.connection = registration.connection;
        live.ha_server_addr.clone_from(&registration.ha_server_addr);
        Some(self.master_of(registration))
    }

    fn register_broker(
        &mut self,
        registration: &BrokerRegistration,
        body: &RegisterBrokerBody,
        fingerprint: Option<BodyFingerprint>,
        now: Instant,
    ) -> Result<RegisterResult, RegisterError> {
        let BrokerRegistration {
            cluster,
            addr,
            name,
            id,
            ..
        } = registration;
        let id = *id;
        let wrapper = &body.topic_config_serialize_wrapper;
        let topics = &wrapper.topic_config_table.0;

        // Step 7 comes first here: Java checks it after creating the group
        // and its cluster entry, leaving an empty group behind when it fails.
        let known_id = self
            .brokers
            .get(name.as_str())
            .is_some_and(|g| g.addrs.contains_key(&id));
        if !known_id && topics.len() == 1 {
            return Err(RegisterError::NotRegisteredYet);
        }

        // 1. The cluster lists the group.
        let cluster_key = self.cluster_key(cluster);
        let name_key = self
            .broker_name(name)
            .unwrap_or_else(|| Arc::from(name.as_str()));
        self.clusters
            .entry(cluster_key.clone())
            .or_default()
            .insert(name_key.clone());

        // 2. The group, created on first contact with the registering cluster.
        let mut register_first = false;
        if !self.brokers.contains_key(name.as_str()) {
            register_first = true;
            self.brokers.insert(
                name_key.clone(),
                BrokerGroup {
                    name: name_key.clone(),
                    cluster: cluster_key.clone(),
                    addrs: Default::default(),
                    enable_acting_master: false,
                    zone: None,
                },
            );
            self.bump_epoch();
        }

        // 3. Acting-master flag and zone are overwritten every time.
        self.update_group_flags(registration);

        let group = self.brokers.get_mut(name.as_str()).expect("created above");
        // 4. Java tracks whether the smallest id changed to notify members;
        // ferrymq does not send NOTIFY_MIN_BROKER_ID_CHANGE.
        // 5. Role switch: an address appears under one id only.
        let before = group.addrs.len();
        group
            .addrs
            .retain(|&other_id, other_addr| other_id == id || other_addr != addr);
        let mut group_changed = group.addrs.len() != before;

        // 6. Controller mode: a stale broker must not replace a newer one.
        if let Some(old_addr) = group.addrs.get(&id).filter(|old| *old != addr).cloned() {
            let old_state = self
                .live_broker(cluster, &old_addr)
                .map(|l| l.data_version.state_version);
            if old_state.is_some_and(|old| old > wrapper.data_version.state_version) {
                self.remove_live(cluster, addr);
                if group_changed {
                    self.bump_epoch();
                }
                return Ok(RegisterResult::default());
            }
        }

        // 8. Record the address under its id.
        let group = self.brokers.get_mut(name.as_str()).expect("created above");
        let previous = group.addrs.insert(id, addr.clone());
        register_first |= previous.as_deref().is_none_or(str::is_empty);
        group_changed |= previous.as_deref() != Some(addr.as_str());
        if group_changed {
            self.bump_epoch();
        }

        // 9. Only the master, or in 5.x the smallest slave of a group that
        // supports acting masters, may change topic queues.
        let group = &self.brokers[name.as_str()];
        let is_master = id == 0;
        let writes_topics = is_topic_writer(group, id, registration.enable_acting_master);
        let wipe_write = !is_master && group.enable_acting_master;

        // 10. Topic queues.
        if writes_topics {
            let version_changed = self
                .live_broker(cluster, addr)
                .is_none_or(|live| live.data_version != wrapper.data_version);
            let mappings = wrapper.topic_queue_mapping_info_map.as_ref();
            if self.settings.delete_topic_with_broker_registration
                && mappings.is_none_or(|m| m.is_empty())
            {
                let incoming: HashSet<&str> = topics
                    .iter()
                    .map(|config| config.topic_name.as_str())
                    .collect();
                for topic in self.topics_of_broker(name) {
                    if !incoming.contains(&*topic) {
                        self.remove_queue(&topic, name);
                    }
                }
            }
            for config in topics {
                let changed = register_first
                    || version_changed
                    || self
                        .topics
                        .get(config.topic_name.as_str())
                        .is_none_or(|entry| entry.queue(name).is_none());
                if changed {
                    let entry = queue_entry(&name_key, config, wipe_write);
                    self.upsert_queue(&config.topic_name, entry);
                }
            }
            if version_changed || register_first {
                for (topic, info) in mappings.into_iter().flatten() {
                    let bname = info.bname.clone().unwrap_or_default();
                    self.mappings
                        .entry(Arc::from(topic.as_str()))
                        .or_default()
                        .insert(bname, info.clone());
                    if let Some(entry) = self.topics.get_mut(topic.as_str()) {
                        entry.cache.clear(&self.cache_budget);
                    }
                }
            }
        }

        // 11 and 12. Liveness, with the new data version and filter servers.
        let mark = fingerprint.map(|body| RegistrationMark {
            body,
            group_changed: self.group_changed(name),
            settings_generation: self.settings_generation,
            wrote_topics: writes_topics,
        });
        let live = LiveBroker {
            last_update: now,
            timeout: registration.timeout.unwrap_or(DEFAULT_BROKER_TIMEOUT),
            data_version: wrapper.data_version,
            connection: registration.connection,
            ha_server_addr: registration.ha_server_addr.clone(),
            filter_servers: body.filter_server_list.clone(),
            last_registration: mark,
        };
        self.put_live(&cluster_key, addr, live);

        // 13. A slave learns where its master is.
        Ok(self.master_of(registration))
    }

    fn register_topic(&mut self, topic: &str, queue_datas: &[QueueData]) {
        if queue_datas.is_empty() {
            return;
        }
        let is_new = !self.topics.contains_key(topic);
        if is_new
            && queue_datas
                .iter()
                .any(|qd| !self.brokers.contains_key(qd.broker_name.as_str()))
        {
            return;
        }
        for queue_data in queue_datas {
            let Some(broker_name) = self.broker_name(&queue_data.broker_name) else {
                return;
            };
            let entry = QueueEntry {
                broker_name,
                perm: queue_data.perm,
                read_queue_nums: queue_data.read_queue_nums,
                write_queue_nums: queue_data.write_queue_nums,
                topic_sys_flag: queue_data.topic_sys_flag,
            };
            self.upsert_queue(topic, entry);
        }
    }

    /// The shared key of a cluster name, reusing the existing one.
    fn cluster_key(&self, cluster: &str) -> Arc<str> {
        match self.clusters.get_key_value(cluster) {
            Some((key, _)) => key.clone(),
            None => Arc::from(cluster),
        }
    }

    /// Step 3: the acting-master flag and the zone follow the latest header.
    fn update_group_flags(&mut self, registration: &BrokerRegistration) {
        let Some(group) = self.brokers.get_mut(registration.name.as_str()) else {
            return;
        };
        let acting = registration.enable_acting_master.unwrap_or(false);
        if group.enable_acting_master != acting || group.zone != registration.zone {
            group.enable_acting_master = acting;
            group.zone.clone_from(&registration.zone);
            self.bump_epoch();
        }
    }

    /// Step 13: the master's addresses, for a slave whose master is alive.
    fn master_of(&self, registration: &BrokerRegistration) -> RegisterResult {
        if registration.id == 0 {
            return RegisterResult::default();
        }
        let master = self
            .brokers
            .get(registration.name.as_str())
            .and_then(|group| group.addrs.get(&0))
            .and_then(|master_addr| {
                let live = self.live_broker(&registration.cluster, master_addr)?;
                Some(RegisterResult {
                    master_addr: Some(master_addr.clone()),
                    ha_server_addr: Some(live.ha_server_addr.clone()),
                })
            });
        master.unwrap_or_default()
    }
}

/// Step 9: whether this broker's registration may change topic queues.
fn is_topic_writer(group: &BrokerGroup, id: i64, enable_acting_master: Option<bool>) -> bool {
    let is_prime_slave = enable_acting_master.is_some() && id != 0 && group.min_id() == Some(id);
    id == 0 || is_prime_slave
}

fn queue_entry(broker_name: &Arc<str>, config: &TopicConfig, wipe_write: bool) -> QueueEntry {
    let perm = if wipe_write {
        config.perm & !perm::WRITE
    } else {
        config.perm
    };
    QueueEntry {
        broker_name: broker_name.clone(),
        perm,
        read_queue_nums: config.read_queue_nums,
        write_queue_nums: config.write_queue_nums,
        topic_sys_flag: config.topic_sys_flag,
    }
}
