//! What producers and consumers derive from a route.

use std::sync::Arc;

use ferrymq_remoting::protocol::body::{MASTER_ID, TopicRouteData};

/// One queue of a topic on one broker.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageQueue {
    /// The topic.
    pub topic: String,
    /// The broker group.
    pub broker_name: String,
    /// The queue's number on that broker.
    pub queue_id: i32,
}

/// The queues a producer may send a topic's messages to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishInfo {
    /// The topic.
    pub topic: String,
    /// Whether the queues come from `orderTopicConf` (an ordered topic).
    pub order_topic: bool,
    /// Whether the topic does not exist yet and these are TBW102's queues.
    pub from_auto_create: bool,
    /// The queues, grouped by broker in broker-name order.
    pub queues: Vec<MessageQueue>,
    /// The route they were built from.
    pub route: Arc<TopicRouteData>,
}

impl PublishInfo {
    /// Builds publish info as the Java client does: from `orderTopicConf` when
    /// there is one, otherwise from every writable queue of a broker group
    /// that has a master, sorted by broker name.
    pub fn from_route(topic: &str, route: Arc<TopicRouteData>) -> Self {
        let mut queues = Vec::new();
        let order_conf = route
            .order_topic_conf
            .as_deref()
            .filter(|conf| !conf.is_empty());
        if let Some(conf) = order_conf {
            for (broker, count) in conf.split(';').filter_map(|item| item.split_once(':')) {
                let count = count.trim().parse::<i32>().unwrap_or(0);
                queues.extend((0..count).map(|queue_id| MessageQueue {
                    topic: topic.to_owned(),
                    broker_name: broker.trim().to_owned(),
                    queue_id,
                }));
            }
        } else {
            let mut queue_datas: Vec<_> = route.queue_datas.iter().collect();
            queue_datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
            for queue_data in queue_datas.into_iter().filter(|q| q.is_writeable()) {
                let has_master = route.broker_datas.iter().any(|b| {
                    b.broker_name == queue_data.broker_name
                        && b.broker_addrs.contains_key(&MASTER_ID)
                });
                if has_master {
                    queues.extend(
                        (0..queue_data.write_queue_nums).map(|queue_id| MessageQueue {
                            topic: topic.to_owned(),
                            broker_name: queue_data.broker_name.clone(),
                            queue_id,
                        }),
                    );
                }
            }
        }
        PublishInfo {
            topic: topic.to_owned(),
            order_topic: order_conf.is_some(),
            from_auto_create: false,
            queues,
            route,
        }
    }

    /// Publish info for a topic that does not exist yet, from TBW102's route:
    /// each broker's queues limited to `max_queues`, as producers do before
    /// the broker creates the topic on the first message.
    pub fn from_auto_create_route(
        topic: &str,
        auto_create: &TopicRouteData,
        max_queues: i32,
    ) -> Self {
        let mut route = auto_create.clone();
        for queue_data in &mut route.queue_datas {
            queue_data.read_queue_nums = queue_data.read_queue_nums.min(max_queues);
            queue_data.write_queue_nums = queue_data.write_queue_nums.min(max_queues);
        }
        let mut info = Self::from_route(topic, Arc::new(route));
        info.from_auto_create = true;
        info
    }

    /// The address of a broker group's master.
    pub fn master_addr(&self, broker_name: &str) -> Option<&str> {
        self.route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == broker_name)
            .and_then(|b| b.master_addr())
    }
}

/// The readable queues of a route, for consumers, sorted.
pub(crate) fn subscribe_queues(topic: &str, route: &TopicRouteData) -> Vec<MessageQueue> {
    let mut queues: Vec<MessageQueue> = route
        .queue_datas
        .iter()
        .filter(|q| q.is_readable())
        .flat_map(|q| {
            (0..q.read_queue_nums).map(|queue_id| MessageQueue {
                topic: topic.to_owned(),
                broker_name: q.broker_name.clone(),
                queue_id,
            })
        })
        .collect();
    queues.sort();
    queues
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use ferrymq_remoting::protocol::body::{BrokerData, QueueData};

    use super::*;

    fn route(groups: &[(&str, i32, i32, bool)]) -> TopicRouteData {
        let mut route = TopicRouteData::default();
        for (name, queues, perm, master) in groups {
            let id = if *master { 0 } else { 1 };
            route.broker_datas.push(BrokerData {
                broker_addrs: BTreeMap::from([(id, format!("{name}:10911"))]),
                broker_name: name.to_string(),
                ..Default::default()
            });
            route.queue_datas.push(QueueData {
                broker_name: name.to_string(),
                perm: *perm,
                read_queue_nums: *queues,
                write_queue_nums: *queues,
                topic_sys_flag: 0,
            });
        }
        route
    }

    fn names(info: &PublishInfo) -> Vec<(String, i32)> {
        info.queues
            .iter()
            .map(|q| (q.broker_name.clone(), q.queue_id))
            .collect()
    }

    #[test]
    fn writable_queues_of_groups_with_a_master_sorted_by_broker() {
        let info = PublishInfo::from_route(
            "t",
            Arc::new(route(&[
                ("b", 2, 6, true),
                ("a", 1, 6, true),
                ("ro", 2, 4, true),
                ("slave", 2, 6, false),
            ])),
        );
        assert_eq!(
            names(&info),
            [("a".into(), 0), ("b".into(), 0), ("b".into(), 1)]
        );
        assert!(!info.order_topic);
        assert_eq!(info.master_addr("a"), Some("a:10911"));
    }

    #[test]
    fn ordered_topics_use_their_configuration() {
        let mut ordered = route(&[("a", 8, 6, true), ("b", 8, 6, true)]);
        ordered.order_topic_conf = Some("b:2;a:1".into());
        let info = PublishInfo::from_route("t", Arc::new(ordered));
        assert!(info.order_topic);
        assert_eq!(
            names(&info),
            [("b".into(), 0), ("b".into(), 1), ("a".into(), 0)]
        );
    }

    #[test]
    fn auto_create_fallback_limits_queues() {
        let info = PublishInfo::from_auto_create_route("new", &route(&[("a", 8, 7, true)]), 4);
        assert!(info.from_auto_create);
        assert_eq!(info.queues.len(), 4);
        assert_eq!(info.queues[0].topic, "new");
    }

    #[test]
    fn consumers_get_readable_queues() {
        let queues = subscribe_queues(
            "t",
            &route(&[("a", 2, 6, true), ("w", 2, 2, true), ("s", 1, 4, false)]),
        );
        let seen: Vec<_> = queues
            .iter()
            .map(|q| (q.broker_name.as_str(), q.queue_id))
            .collect();
        assert_eq!(seen, [("a", 0), ("a", 1), ("s", 0)]);
    }
}
