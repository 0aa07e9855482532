//! The tables themselves and the small operations every change goes through.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrymq_remoting::protocol::body::{DataVersion, QueueData, TopicQueueMappingInfo};
use ferrymq_remoting::server::ConnectionId;

use super::cache::{CacheBudget, RouteCache};
use super::register::BodyFingerprint;
use super::{RouteSettings, RouteStats};

/// One broker group (a master and its slaves), keyed by broker name.
#[derive(Debug, Clone)]
pub(crate) struct BrokerGroup {
    /// The group's name, shared with every queue entry of the group.
    pub(crate) name: Arc<str>,
    /// The cluster the group first registered in; never changed afterwards.
    pub(crate) cluster: Arc<str>,
    /// Addresses by broker id; id 0 is the master.
    pub(crate) addrs: BTreeMap<i64, String>,
    pub(crate) enable_acting_master: bool,
    pub(crate) zone: Option<String>,
}

impl BrokerGroup {
    pub(crate) fn min_id(&self) -> Option<i64> {
        self.addrs.keys().next().copied()
    }

    pub(crate) fn has_master(&self) -> bool {
        self.addrs.contains_key(&0)
    }
}

/// One group's queues of one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueEntry {
    pub(crate) broker_name: Arc<str>,
    pub(crate) perm: i32,
    pub(crate) read_queue_nums: i32,
    pub(crate) write_queue_nums: i32,
    pub(crate) topic_sys_flag: i32,
}

impl QueueEntry {
    pub(crate) fn to_wire(&self) -> QueueData {
        QueueData {
            broker_name: self.broker_name.to_string(),
            perm: self.perm,
            read_queue_nums: self.read_queue_nums,
            topic_sys_flag: self.topic_sys_flag,
            write_queue_nums: self.write_queue_nums,
        }
    }
}

/// A topic's queues, sorted by broker name, and its cached responses.
#[derive(Debug, Default)]
pub(crate) struct TopicEntry {
    pub(crate) queues: Vec<QueueEntry>,
    pub(crate) cache: RouteCache,
}

impl TopicEntry {
    pub(crate) fn queue(&self, broker_name: &str) -> Option<&QueueEntry> {
        self.position(broker_name).ok().map(|at| &self.queues[at])
    }

    fn position(&self, broker_name: &str) -> Result<usize, usize> {
        self.queues
            .binary_search_by(|entry| (*entry.broker_name).cmp(broker_name))
    }
}

/// What the name server knows of one live broker process.
#[derive(Debug, Clone)]
pub(crate) struct LiveBroker {
    pub(crate) last_update: Instant,
    pub(crate) timeout: Duration,
    pub(crate) data_version: DataVersion,
    pub(crate) connection: Option<ConnectionId>,
    pub(crate) ha_server_addr: String,
    pub(crate) filter_servers: Vec<String>,
    /// What the last registration looked like, for the unchanged short cut.
    pub(crate) last_registration: Option<RegistrationMark>,
}

/// A registration's body and the table state right after it was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RegistrationMark {
    pub(crate) body: BodyFingerprint,
    /// When the group's queue entries last appeared or disappeared.
    pub(crate) group_changed: u64,
    pub(crate) settings_generation: u64,
    pub(crate) wrote_topics: bool,
}

/// The topics with queues on one broker group, and when that set last changed.
#[derive(Debug, Default)]
pub(crate) struct GroupTopics {
    pub(crate) topics: HashSet<Arc<str>>,
    pub(crate) changed: u64,
}

/// Every table of the name server. Only [`RouteTable`](super::RouteTable)
/// touches it, under its lock.
#[derive(Debug)]
pub(crate) struct RouteState {
    pub(crate) settings: RouteSettings,
    /// topic → queues per broker group.
    pub(crate) topics: HashMap<Arc<str>, TopicEntry>,
    /// broker name → group.
    pub(crate) brokers: HashMap<Arc<str>, BrokerGroup>,
    /// cluster → broker names.
    pub(crate) clusters: HashMap<Arc<str>, BTreeSet<Arc<str>>>,
    /// cluster → broker address → liveness.
    pub(crate) live: HashMap<Arc<str>, HashMap<Arc<str>, LiveBroker>>,
    /// topic → broker name → static-topic mapping.
    pub(crate) mappings: HashMap<Arc<str>, BTreeMap<String, TopicQueueMappingInfo>>,
    /// Counts queue entries appearing and disappearing; each group's
    /// [`GroupTopics::changed`] is this count at the group's last change.
    pub(crate) generation: u64,
    /// Bumped when settings that shape registrations change.
    pub(crate) settings_generation: u64,
    /// Bumped whenever something every route may show changes (broker
    /// groups, filter servers, settings): cached routes from an older epoch
    /// are stale.
    pub(crate) epoch: u64,
    /// Live brokers that declared filter servers; routes skip the filter
    /// lookup while there are none.
    pub(crate) filter_server_brokers: usize,
    /// Bytes the cached route bodies may take.
    pub(crate) cache_budget: CacheBudget,
    /// broker name → topics with queues on it, so a broker's topics are
    /// found without looking at every topic.
    pub(crate) broker_topics: HashMap<Arc<str>, GroupTopics>,
}

/// The default budget of cached route bodies.
pub(crate) const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

impl Default for RouteState {
    fn default() -> Self {
        RouteState {
            settings: RouteSettings::default(),
            topics: HashMap::new(),
            brokers: HashMap::new(),
            clusters: HashMap::new(),
            live: HashMap::new(),
            mappings: HashMap::new(),
            generation: 0,
            settings_generation: 0,
            epoch: 0,
            filter_server_brokers: 0,
            cache_budget: CacheBudget::new(DEFAULT_CACHE_BYTES),
            broker_topics: HashMap::new(),
        }
    }
}

impl RouteState {
    pub(crate) fn new(settings: RouteSettings, cache_bytes: usize) -> Self {
        RouteState {
            settings,
            cache_budget: CacheBudget::new(cache_bytes),
            ..Default::default()
        }
    }

    pub(crate) fn apply_settings(&mut self, settings: RouteSettings) {
        if settings != self.settings {
            self.settings = settings;
            self.bump_epoch();
            self.settings_generation += 1;
        }
    }

    /// Makes every cached route stale, and gives their memory back.
    pub(crate) fn bump_epoch(&mut self) {
        self.epoch += 1;
        if self.cache_budget.used() > 0 {
            for entry in self.topics.values_mut() {
                entry.cache.clear(&self.cache_budget);
            }
        }
    }

    pub(crate) fn stats(&self) -> RouteStats {
        RouteStats {
            broker_groups: self.brokers.len(),
            live_brokers: self.live.values().map(HashMap::len).sum(),
            topics: self.topics.len(),
            clusters: self.clusters.len(),
        }
    }

    pub(crate) fn broker_connections(&self) -> Vec<ConnectionId> {
        self.live
            .values()
            .flat_map(|by_addr| by_addr.values())
            .filter_map(|live| live.connection)
            .collect()
    }

    pub(crate) fn live_broker(&self, cluster: &str, addr: &str) -> Option<&LiveBroker> {
        self.live.get(cluster)?.get(addr)
    }

    pub(crate) fn live_broker_mut(&mut self, cluster: &str, addr: &str) -> Option<&mut LiveBroker> {
        self.live.get_mut(cluster)?.get_mut(addr)
    }

    pub(crate) fn remove_live(&mut self, cluster: &str, addr: &str) -> Option<LiveBroker> {
        let by_addr = self.live.get_mut(cluster)?;
        let removed = by_addr.remove(addr)?;
        if by_addr.is_empty() {
            self.live.remove(cluster);
        }
        if !removed.filter_servers.is_empty() {
            self.filter_server_brokers -= 1;
            self.bump_epoch();
        }
        Some(removed)
    }

    /// Replaces the live record of a broker, keeping the filter-server count.
    pub(crate) fn put_live(&mut self, cluster: &Arc<str>, addr: &str, live: LiveBroker) {
        let gained = !live.filter_servers.is_empty();
        let by_addr = self.live.entry(cluster.clone()).or_default();
        let previous = by_addr.insert(Arc::from(addr), live);
        let lost = previous.is_some_and(|prev| !prev.filter_servers.is_empty());
        if gained != lost {
            if gained {
                self.filter_server_brokers += 1;
            } else {
                self.filter_server_brokers -= 1;
            }
            self.bump_epoch();
        }
    }

    /// The shared name of a broker group, if it exists.
    pub(crate) fn broker_name(&self, name: &str) -> Option<Arc<str>> {
        self.brokers.get(name).map(|group| group.name.clone())
    }

    /// Inserts or replaces a topic's queues for one group.
    pub(crate) fn upsert_queue(&mut self, topic: &str, entry: QueueEntry) {
        let topic_key = match self.topics.get_key_value(topic) {
            Some((key, _)) => key.clone(),
            None => {
                self.generation += 1;
                let key: Arc<str> = Arc::from(topic);
                self.topics.insert(key.clone(), TopicEntry::default());
                key
            }
        };
        let topic_entry = self.topics.get_mut(topic).expect("present");
        match topic_entry.position(&entry.broker_name) {
            Ok(at) => {
                if topic_entry.queues[at] != entry {
                    topic_entry.queues[at] = entry;
                    topic_entry.cache.clear(&self.cache_budget);
                }
            }
            Err(at) => {
                let broker_name = entry.broker_name.clone();
                topic_entry.queues.insert(at, entry);
                topic_entry.cache.clear(&self.cache_budget);
                self.generation += 1;
                let group = self.broker_topics.entry(broker_name).or_default();
                group.topics.insert(topic_key);
                group.changed = self.generation;
            }
        }
    }

    /// Removes a topic's queues of one group, and the topic once it has none.
    /// Returns whether anything was removed.
    pub(crate) fn remove_queue(&mut self, topic: &str, broker_name: &str) -> bool {
        let Some(topic_entry) = self.topics.get_mut(topic) else {
            return false;
        };
        let Ok(at) = topic_entry.position(broker_name) else {
            return false;
        };
        topic_entry.queues.remove(at);
        topic_entry.cache.clear(&self.cache_budget);
        if topic_entry.queues.is_empty() {
            self.topics.remove(topic);
        }
        self.unindex(broker_name, topic);
        true
    }

    /// Removes a whole topic. Returns whether it existed.
    pub(crate) fn remove_topic(&mut self, topic: &str) -> bool {
        let Some(mut entry) = self.topics.remove(topic) else {
            return false;
        };
        entry.cache.clear(&self.cache_budget);
        for queue in &entry.queues {
            self.unindex(&queue.broker_name, topic);
        }
        true
    }

    fn unindex(&mut self, broker_name: &str, topic: &str) {
        self.generation += 1;
        if let Some(group) = self.broker_topics.get_mut(broker_name) {
            group.topics.remove(topic);
            group.changed = self.generation;
            if group.topics.is_empty() {
                self.broker_topics.remove(broker_name);
            }
        }
    }

    /// When a group's queue entries last appeared or disappeared (0: never
    /// had any, or has none left, which is also a change from any mark).
    pub(crate) fn group_changed(&self, broker_name: &str) -> u64 {
        self.broker_topics
            .get(broker_name)
            .map_or(0, |group| group.changed)
    }

    /// Changes the perm of every queue entry matching `broker_name`, dropping
    /// the cached routes of the topics it changes. Returns how many topics
    /// have an entry for the group, changed or not.
    pub(crate) fn update_perms(&mut self, broker_name: &str, update: impl Fn(i32) -> i32) -> usize {
        let Some(group) = self.broker_topics.get(broker_name) else {
            return 0;
        };
        let mut matched = 0;
        for topic in &group.topics {
            let Some(topic_entry) = self.topics.get_mut(topic) else {
                continue;
            };
            let Ok(at) = topic_entry.position(broker_name) else {
                continue;
            };
            matched += 1;
            let queue = &mut topic_entry.queues[at];
            let perm = update(queue.perm);
            if perm != queue.perm {
                queue.perm = perm;
                topic_entry.cache.clear(&self.cache_budget);
            }
        }
        matched
    }

    /// Topics that have queues on `broker_name`.
    pub(crate) fn topics_of_broker(&self, broker_name: &str) -> Vec<Arc<str>> {
        self.broker_topics
            .get(broker_name)
            .map(|group| group.topics.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Finds the group and id an address holds in a cluster.
    pub(crate) fn find_broker_by_addr(&self, cluster: &str, addr: &str) -> Option<(Arc<str>, i64)> {
        let names = self.clusters.get(cluster)?;
        names.iter().find_map(|name| {
            let group = self.brokers.get(name)?;
            let (&id, _) = group.addrs.iter().find(|(_, a)| a.as_str() == addr)?;
            Some((group.name.clone(), id))
        })
    }
}
