//! Reading routes, cluster membership and topic lists; changing topics and
//! permissions by administrative request.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use ferrymq_remoting::protocol::body::{
    BrokerData, BrokerMemberGroup, ClusterInfo, TopicList, TopicRouteData, perm, sys_flag,
};
use ferrymq_remoting::protocol::json::{self, KeyStyle};

use super::state::{RouteState, TopicEntry};
use super::{RouteTable, SYNC_BROKER_MEMBER_GROUP_PREFIX};

/// Which unit-topic list to build (GET_UNIT_TOPIC_LIST and its siblings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitListKind {
    /// Unit topics.
    Unit,
    /// Topics with unit subscriptions.
    HasUnitSub,
    /// Non-unit topics with unit subscriptions.
    HasUnitSubNotUnit,
}

/// A write-permission change for every topic of a broker group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermChange {
    /// Clear the write bit (WIPE_WRITE_PERM_OF_BROKER).
    WipeWrite,
    /// Set read and write, dropping other bits (ADD_WRITE_PERM_OF_BROKER).
    AddWrite,
}

/// Looks up a topic's ordered-topic configuration; called under the read lock.
pub type OrderConfLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl RouteTable {
    /// The encoded GET_ROUTEINFO_BY_TOPIC body of `topic` in `style`, or
    /// `None` when the topic has no route (TOPIC_NOT_EXIST).
    ///
    /// Served from the topic's cache when the route has not changed since
    /// it was encoded; otherwise built, cached and returned. Never takes the
    /// write lock.
    pub fn route_body(
        &self,
        topic: &str,
        style: KeyStyle,
        order_conf: Option<OrderConfLookup<'_>>,
    ) -> Option<Bytes> {
        let state = self.state.read();
        let entry = state.topics.get(topic)?;
        if let Some(body) = entry.cache.get(state.epoch, style) {
            return Some(body);
        }
        let route = state.pickup(topic, entry, order_conf)?;
        let body = Bytes::from(json::to_vec(&route, style));
        entry
            .cache
            .put(state.epoch, style, body.clone(), &state.cache_budget);
        Some(body)
    }

    /// The route of `topic` as data, uncached, for callers that rewrite it.
    pub fn pickup_route(
        &self,
        topic: &str,
        order_conf: Option<OrderConfLookup<'_>>,
    ) -> Option<TopicRouteData> {
        let state = self.state.read();
        let entry = state.topics.get(topic)?;
        state.pickup(topic, entry, order_conf)
    }

    /// Every broker group and cluster (GET_BROKER_CLUSTER_INFO).
    pub fn cluster_info(&self) -> ClusterInfo {
        let state = self.state.read();
        ClusterInfo {
            broker_addr_table: state
                .brokers
                .values()
                .map(|group| (group.name.to_string(), state.broker_data(group)))
                .collect(),
            cluster_addr_table: state
                .clusters
                .iter()
                .map(|(cluster, names)| {
                    (
                        cluster.to_string(),
                        names.iter().map(|name| name.to_string()).collect(),
                    )
                })
                .collect(),
        }
    }

    /// The members of a group (GET_BROKER_MEMBER_GROUP); `cluster` is echoed.
    pub fn broker_member_group(&self, cluster: &str, name: &str) -> BrokerMemberGroup {
        let state = self.state.read();
        BrokerMemberGroup {
            broker_addrs: state
                .brokers
                .get(name)
                .map(|group| group.addrs.clone())
                .unwrap_or_default(),
            broker_name: name.to_owned(),
            cluster: cluster.to_owned(),
        }
    }

    /// Every topic (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), sorted.
    pub fn all_topics(&self) -> TopicList {
        let state = self.state.read();
        TopicList {
            broker_addr: None,
            topic_list: sorted(state.topics.keys().map(|t| t.to_string())),
        }
    }

    /// Topics with queues on any group of `cluster` (GET_TOPICS_BY_CLUSTER).
    pub fn topics_of_cluster(&self, cluster: &str) -> TopicList {
        let state = self.state.read();
        let names = state.clusters.get(cluster);
        let topics = state
            .topics
            .iter()
            .filter(|(_, entry)| {
                names.is_some_and(|names| {
                    entry.queues.iter().any(|q| names.contains(&q.broker_name))
                })
            })
            .map(|(topic, _)| topic.to_string());
        TopicList {
            broker_addr: None,
            topic_list: sorted(topics),
        }
    }

    /// Cluster and group names, with an address to ask for more
    /// (GET_SYSTEM_TOPIC_LIST_FROM_NS).
    pub fn system_topics(&self) -> TopicList {
        let state = self.state.read();
        let mut names = BTreeSet::new();
        for (cluster, groups) in &state.clusters {
            names.insert(cluster.to_string());
            names.extend(groups.iter().map(|name| name.to_string()));
        }
        let mut groups: Vec<_> = state.brokers.values().collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        let broker_addr = groups
            .iter()
            .find_map(|group| group.addrs.values().next().cloned());
        TopicList {
            broker_addr,
            topic_list: names.into_iter().collect(),
        }
    }

    /// Topics by their unit flags, judged on their first queue entry.
    pub fn unit_topics(&self, kind: UnitListKind) -> TopicList {
        let state = self.state.read();
        let topics = state.topics.iter().filter_map(|(topic, entry)| {
            let flag = entry.queues.first()?.topic_sys_flag;
            let unit = flag & sys_flag::UNIT != 0;
            let unit_sub = flag & sys_flag::UNIT_SUB != 0;
            let wanted = match kind {
                UnitListKind::Unit => unit,
                UnitListKind::HasUnitSub => unit_sub,
                UnitListKind::HasUnitSubNotUnit => unit_sub && !unit,
            };
            wanted.then(|| topic.to_string())
        });
        TopicList {
            broker_addr: None,
            topic_list: sorted(topics),
        }
    }

    /// Changes the write permission of every topic of a group, returning the
    /// number of topics the group serves.
    pub fn change_write_perm(&self, broker_name: &str, change: PermChange) -> usize {
        let mut state = self.state.write();
        match change {
            PermChange::WipeWrite => state.update_perms(broker_name, |p| p & !perm::WRITE),
            PermChange::AddWrite => state.update_perms(broker_name, |_| perm::READ_WRITE),
        }
    }

    /// DELETE_TOPIC_IN_NAMESRV: removes the topic, or only its queues on the
    /// groups of `cluster`. An unknown cluster changes nothing.
    pub fn delete_topic(&self, topic: &str, cluster: Option<&str>) {
        let mut state = self.state.write();
        match cluster.filter(|cluster| !cluster.is_empty()) {
            None => {
                state.remove_topic(topic);
            }
            Some(cluster) => {
                let Some(names) = state.clusters.get(cluster).cloned() else {
                    return;
                };
                for name in names {
                    state.remove_queue(topic, &name);
                }
            }
        }
    }
}

impl RouteState {
    fn broker_data(&self, group: &super::state::BrokerGroup) -> BrokerData {
        BrokerData {
            broker_addrs: group.addrs.clone(),
            broker_name: group.name.to_string(),
            cluster: group.cluster.to_string(),
            enable_acting_master: group.enable_acting_master,
            zone_name: group.zone.clone(),
        }
    }

    /// Builds a topic's route: its queues, the groups serving them, their
    /// filter servers and static mappings, with the acting-master rewrite.
    fn pickup(
        &self,
        topic: &str,
        entry: &TopicEntry,
        order_conf: Option<OrderConfLookup<'_>>,
    ) -> Option<TopicRouteData> {
        let mut route = TopicRouteData {
            queue_datas: entry.queues.iter().map(|queue| queue.to_wire()).collect(),
            ..Default::default()
        };
        for queue in &entry.queues {
            if let Some(group) = self.brokers.get(&queue.broker_name) {
                route.broker_datas.push(self.broker_data(group));
            }
        }
        if route.broker_datas.is_empty() {
            return None;
        }
        if self.filter_server_brokers > 0 {
            for data in &route.broker_datas {
                for addr in data.broker_addrs.values() {
                    let servers = self
                        .live_broker(&data.cluster, addr)
                        .map(|l| &l.filter_servers);
                    if let Some(servers) = servers.filter(|servers| !servers.is_empty()) {
                        route
                            .filter_server_table
                            .insert(addr.clone(), servers.clone());
                    }
                }
            }
        }
        route.topic_queue_mapping_by_broker = self.mappings.get(topic).cloned();
        if let Some(lookup) = order_conf.filter(|_| self.settings.order_message_enable) {
            route.order_topic_conf = lookup(topic);
        }
        if self.settings.support_acting_master
            && !topic.starts_with(SYNC_BROKER_MEMBER_GROUP_PREFIX)
        {
            rewrite_acting_masters(&mut route);
        }
        Some(route)
    }
}

/// Shows the smallest slave of a master-less, read-only group as id 0, so
/// consumers can lock queues and commit offsets through it.
fn rewrite_acting_masters(route: &mut TopicRouteData) {
    let queue_perms: BTreeMap<&str, i32> = route
        .queue_datas
        .iter()
        .map(|q| (q.broker_name.as_str(), q.perm))
        .collect();
    for data in &mut route.broker_datas {
        if data.broker_addrs.is_empty()
            || data.broker_addrs.contains_key(&0)
            || !data.enable_acting_master
        {
            continue;
        }
        let writable = queue_perms
            .get(data.broker_name.as_str())
            .is_none_or(|&p| perm::is_writeable(p));
        if !writable && let Some((_, addr)) = data.broker_addrs.pop_first() {
            data.broker_addrs.insert(0, addr);
        }
    }
}

fn sorted(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut names: Vec<String> = names.collect();
    names.sort_unstable();
    names
}
