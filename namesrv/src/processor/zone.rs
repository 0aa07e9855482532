//! Zone filtering of routes, for clients that ask for brokers of their zone.
//!
//! A client sending `__ZONE_MODE=true` and `__ZONE_NAME=<zone>` gets only
//! the broker groups of its zone, plus any group without a master (which
//! is then not writable anyway, so keeping it only helps consumers).

use ferrymq_remoting::protocol::body::TopicRouteData;

/// Keeps the groups of `zone` (compared ignoring case) and master-less groups.
pub(super) fn filter(mut route: TopicRouteData, zone: &str) -> TopicRouteData {
    let mut removed_addrs = Vec::new();
    let mut removed_names = Vec::new();
    route.broker_datas.retain(|data| {
        let keep = !data.broker_addrs.contains_key(&0)
            || data
                .zone_name
                .as_deref()
                .is_some_and(|name| name.eq_ignore_ascii_case(zone));
        if !keep {
            removed_names.push(data.broker_name.clone());
            removed_addrs.extend(data.broker_addrs.values().cloned());
        }
        keep
    });
    route
        .queue_datas
        .retain(|queue| !removed_names.contains(&queue.broker_name));
    route
        .filter_server_table
        .retain(|addr, _| !removed_addrs.contains(addr));
    route
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use ferrymq_remoting::protocol::body::{BrokerData, QueueData};

    use super::*;

    fn group(name: &str, zone: &str, ids: &[i64]) -> BrokerData {
        BrokerData {
            broker_addrs: ids.iter().map(|id| (*id, format!("{name}:{id}"))).collect(),
            broker_name: name.into(),
            cluster: "c".into(),
            enable_acting_master: false,
            zone_name: Some(zone.into()),
        }
    }

    fn queue(name: &str) -> QueueData {
        QueueData {
            broker_name: name.into(),
            perm: 6,
            read_queue_nums: 1,
            write_queue_nums: 1,
            topic_sys_flag: 0,
        }
    }

    #[test]
    fn other_zones_with_a_master_are_removed() {
        let route = TopicRouteData {
            broker_datas: vec![
                group("a", "zone1", &[0]),
                group("b", "zone2", &[0]),
                group("c", "zone2", &[1]),
            ],
            queue_datas: vec![queue("a"), queue("b"), queue("c")],
            filter_server_table: BTreeMap::from([("b:0".to_owned(), vec!["f".to_owned()])]),
            ..Default::default()
        };
        let filtered = filter(route, "ZONE1");
        let names: Vec<_> = filtered
            .broker_datas
            .iter()
            .map(|b| b.broker_name.as_str())
            .collect();
        assert_eq!(names, ["a", "c"]);
        let queues: Vec<_> = filtered
            .queue_datas
            .iter()
            .map(|q| q.broker_name.as_str())
            .collect();
        assert_eq!(queues, ["a", "c"]);
        assert!(filtered.filter_server_table.is_empty());
    }
}
