//! Forgetting brokers: on request, when their connection closes, and when
//! they go silent for longer than their timeout.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use ferrymq_remoting::protocol::body::perm;
use ferrymq_remoting::server::ConnectionId;

use super::RouteTable;
use super::state::RouteState;

/// One broker process to forget.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnregisterRequest {
    /// The broker's cluster.
    pub cluster: String,
    /// The broker's address.
    pub addr: String,
    /// The broker group's name.
    pub name: String,
    /// The broker's id in its group.
    pub id: i64,
}

/// A broker the scanner removed for silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eviction {
    /// The broker that went silent.
    pub broker: UnregisterRequest,
    /// Its connection, for the caller to close.
    pub connection: Option<ConnectionId>,
    /// How long it had been silent, in milliseconds.
    pub silent_millis: u128,
}

impl RouteTable {
    /// Forgets the given brokers as one batch: their liveness, their
    /// addresses, groups left empty, and the queues of those groups.
    pub fn unregister_brokers(&self, requests: &[UnregisterRequest]) {
        if !requests.is_empty() {
            self.state.write().unregister(requests);
        }
    }

    /// Forgets every broker whose last registration came on `connection`,
    /// and returns them.
    pub fn connection_closed(&self, connection: ConnectionId) -> Vec<UnregisterRequest> {
        // Most closing connections are clients': check under the read lock.
        if !self.state.read().broker_connections().contains(&connection) {
            return Vec::new();
        }
        let mut state = self.state.write();
        let requests = state.brokers_on(|_, live_connection| live_connection == Some(connection));
        state.unregister(&requests);
        requests
    }

    /// Forgets every broker silent for longer than its timeout, and returns
    /// them with the connections to close.
    pub fn evict_inactive(&self, now: Instant) -> Vec<Eviction> {
        let expired = |last: Instant, timeout| now.saturating_duration_since(last) > timeout;
        let any = self
            .state
            .read()
            .live
            .values()
            .flat_map(|m| m.values())
            .any(|live| expired(live.last_update, live.timeout));
        if !any {
            return Vec::new();
        }
        let mut state = self.state.write();
        let mut evictions = Vec::new();
        for (cluster, by_addr) in &state.live {
            for (addr, live) in by_addr {
                if expired(live.last_update, live.timeout) {
                    let (name, id) = state.find_broker_by_addr(cluster, addr).unwrap_or_default();
                    evictions.push(Eviction {
                        broker: UnregisterRequest {
                            cluster: cluster.to_string(),
                            addr: addr.to_string(),
                            name: name.to_string(),
                            id,
                        },
                        connection: live.connection,
                        silent_millis: now.saturating_duration_since(live.last_update).as_millis(),
                    });
                }
            }
        }
        let requests: Vec<_> = evictions
            .iter()
            .map(|eviction| eviction.broker.clone())
            .collect();
        state.unregister(&requests);
        evictions
    }
}

impl RouteState {
    /// The unregister requests for the live brokers matching `filter`.
    fn brokers_on(
        &self,
        filter: impl Fn(&str, Option<ConnectionId>) -> bool,
    ) -> Vec<UnregisterRequest> {
        let mut found = Vec::new();
        for (cluster, by_addr) in &self.live {
            for (addr, live) in by_addr {
                if filter(addr, live.connection) {
                    let (name, id) = self.find_broker_by_addr(cluster, addr).unwrap_or_default();
                    found.push(UnregisterRequest {
                        cluster: cluster.to_string(),
                        addr: addr.to_string(),
                        name: name.to_string(),
                        id,
                    });
                }
            }
        }
        found
    }

    pub(crate) fn unregister(&mut self, requests: &[UnregisterRequest]) {
        let mut removed: HashSet<Arc<str>> = HashSet::new();
        let mut reduced: HashSet<Arc<str>> = HashSet::new();
        for request in requests {
            self.remove_live(&request.cluster, &request.addr);
            let Some(group) = self.brokers.get_mut(request.name.as_str()) else {
                continue;
            };
            // Every id holding the address goes, whatever id was asked for.
            let before = group.addrs.len();
            group.addrs.retain(|_, addr| *addr != request.addr);
            let changed = group.addrs.len() != before;
            let name = group.name.clone();
            if group.addrs.is_empty() {
                self.brokers.remove(&name);
                if let Some(names) = self.clusters.get_mut(request.cluster.as_str()) {
                    names.remove(&name);
                    if names.is_empty() {
                        self.clusters.remove(request.cluster.as_str());
                    }
                }
                reduced.remove(&name);
                removed.insert(name);
                self.bump_epoch();
            } else {
                if changed {
                    self.bump_epoch();
                }
                reduced.insert(name);
            }
        }
        if removed.is_empty() && reduced.is_empty() {
            return;
        }
        for name in &removed {
            for topic in self.topics_of_broker(name) {
                self.remove_queue(&topic, name);
            }
        }
        // A group that lost its master stops taking writes when a slave may
        // act as master, so producers do not write to the stand-in.
        for name in &reduced {
            let masterless_acting = self
                .brokers
                .get(name)
                .is_some_and(|group| group.enable_acting_master && !group.has_master());
            if masterless_acting {
                self.update_perms(name, |p| p & !perm::WRITE);
            }
        }
    }
}
