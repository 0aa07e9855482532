//! Producers and consumers that announced themselves with HEART_BEAT.
//!
//! Consumers of a group ask for each other (GET_CONSUMER_LIST_BY_GROUP) to
//! share queues out; the list forgets a client when it unregisters, when
//! its connection closes, or after two minutes without a heartbeat.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use ferrymq_remoting::server::ConnectionId;
use parking_lot::Mutex;
use serde::Deserialize;

/// How long a client stays listed without a heartbeat, as in Java.
const CLIENT_EXPIRY: Duration = Duration::from_secs(120);

/// The HEART_BEAT body (only the fields the broker uses).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatData {
    /// The client's id.
    #[serde(rename = "clientID", default)]
    pub client_id: String,
    /// Producer groups the client is in.
    #[serde(default)]
    pub producer_data_set: Vec<GroupData>,
    /// Consumer groups the client is in.
    #[serde(default)]
    pub consumer_data_set: Vec<GroupData>,
}

/// One group a client belongs to.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupData {
    /// The group's name.
    #[serde(default)]
    pub group_name: String,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    connection: ConnectionId,
    at: Instant,
}

/// Group → client id → where and when it was last seen.
type Groups = HashMap<String, BTreeMap<String, Seen>>;

/// The clients of this broker.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    producers: Mutex<Groups>,
    consumers: Mutex<Groups>,
}

impl ClientRegistry {
    /// Records a heartbeat.
    pub fn heartbeat(&self, heartbeat: &HeartbeatData, connection: ConnectionId, now: Instant) {
        let seen = Seen {
            connection,
            at: now,
        };
        for (groups, data) in [
            (&self.producers, &heartbeat.producer_data_set),
            (&self.consumers, &heartbeat.consumer_data_set),
        ] {
            let mut groups = groups.lock();
            for group in data {
                groups
                    .entry(group.group_name.clone())
                    .or_default()
                    .insert(heartbeat.client_id.clone(), seen);
            }
        }
    }

    /// Forgets a client in the given groups.
    pub fn unregister(
        &self,
        client_id: &str,
        producer_group: Option<&str>,
        consumer_group: Option<&str>,
    ) {
        for (groups, group) in [
            (&self.producers, producer_group),
            (&self.consumers, consumer_group),
        ] {
            if let Some(group) = group.filter(|g| !g.is_empty()) {
                let mut groups = groups.lock();
                if let Some(clients) = groups.get_mut(group) {
                    clients.remove(client_id);
                    if clients.is_empty() {
                        groups.remove(group);
                    }
                }
            }
        }
    }

    /// Forgets every client that spoke on `connection`.
    pub fn connection_closed(&self, connection: ConnectionId) {
        self.retain(|seen| seen.connection != connection);
    }

    /// Forgets clients silent for two minutes.
    pub fn expire(&self, now: Instant) {
        self.retain(|seen| now.saturating_duration_since(seen.at) < CLIENT_EXPIRY);
    }

    fn retain(&self, keep: impl Fn(&Seen) -> bool) {
        for groups in [&self.producers, &self.consumers] {
            let mut groups = groups.lock();
            for clients in groups.values_mut() {
                clients.retain(|_, seen| keep(seen));
            }
            groups.retain(|_, clients| !clients.is_empty());
        }
    }

    /// The consumers of a group, sorted.
    pub fn consumers_of(&self, group: &str) -> Vec<String> {
        self.consumers
            .lock()
            .get(group)
            .map(|clients| clients.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// How many producer and consumer groups have clients.
    pub fn group_counts(&self) -> (usize, usize) {
        (self.producers.lock().len(), self.consumers.lock().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heartbeat(client: &str, consumer_group: &str) -> HeartbeatData {
        serde_json::from_str(&format!(
            r#"{{"clientID":"{client}","consumerDataSet":[{{"groupName":"{consumer_group}","consumeType":"CONSUME_PASSIVELY"}}],"producerDataSet":[{{"groupName":"CLIENT_INNER_PRODUCER"}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn consumers_come_and_go() {
        let registry = ClientRegistry::default();
        let now = Instant::now();
        registry.heartbeat(&heartbeat("c1", "g"), ConnectionId(1), now);
        registry.heartbeat(&heartbeat("c2", "g"), ConnectionId(2), now);
        assert_eq!(registry.consumers_of("g"), ["c1", "c2"]);
        registry.unregister("c1", Some("CLIENT_INNER_PRODUCER"), Some("g"));
        assert_eq!(registry.consumers_of("g"), ["c2"]);
        registry.connection_closed(ConnectionId(2));
        assert!(registry.consumers_of("g").is_empty());
        assert_eq!(registry.group_counts(), (0, 0));
        registry.heartbeat(&heartbeat("c3", "g"), ConnectionId(3), now);
        registry.expire(now + Duration::from_secs(121));
        assert!(registry.consumers_of("g").is_empty());
    }
}
