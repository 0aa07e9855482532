//! Reading routes and cluster membership.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use clap::Args;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::body::{KvTable, TopicList, TopicRouteData, perm};
use serde::Serialize;

use super::context::{Admin, AdminError, decode};
use super::output::{Table, out, print_json, write};

/// Options of `topicRoute`.
#[derive(Debug, Args)]
pub struct TopicRouteArgs {
    /// topic name
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Use list format to print data
    #[arg(short = 'l', long = "list")]
    list: bool,
}

/// Options of `topicList`.
#[derive(Debug, Args)]
pub struct TopicListArgs {
    /// Print each topic with its cluster
    #[arg(short = 'c', long = "clusterModel")]
    cluster_model: bool,
}

/// Options of `topicClusterList`.
#[derive(Debug, Args)]
pub struct TopicClusterListArgs {
    /// topic name
    #[arg(short = 't', long = "topic")]
    topic: String,
}

/// Options of `clusterList`.
#[derive(Debug, Args)]
pub struct ClusterListArgs {
    /// Print more stats
    #[arg(short = 'm', long = "moreStats")]
    more_stats: bool,
    /// Repeat every this many seconds
    #[arg(short = 'i', long = "interval")]
    interval: Option<u64>,
    /// Only this cluster
    #[arg(short = 'c', long = "clusterName")]
    cluster_name: Option<String>,
}

pub(crate) async fn fetch_route(
    admin: &Admin,
    topic: &str,
) -> Result<(String, TopicRouteData), AdminError> {
    let request =
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", topic);
    let (addr, response) = admin.namesrv(request).await?;
    let mut route: TopicRouteData = decode(&addr, "reading the route", &response.body)?;
    route.sort();
    Ok((addr, route))
}

pub(super) async fn topic_route(admin: &Admin, args: TopicRouteArgs) -> Result<(), AdminError> {
    let (_, route) = fetch_route(admin, &args.topic).await?;
    if admin.json || !args.list {
        print_json(&route);
        return Ok(());
    }
    let mut table = Table::new(&[
        "#ClusterName",
        "#BrokerName",
        "#BrokerAddrs",
        "#ReadQueue",
        "#WriteQueue",
        "#Perm",
    ]);
    let (mut read_total, mut write_total) = (0, 0);
    for queue in &route.queue_datas {
        let broker = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == queue.broker_name);
        // As Java prints a map: {0=10.0.0.1:10911, 1=10.0.0.2:10911}.
        let addrs = broker
            .map(|b| {
                let entries: Vec<String> = b
                    .broker_addrs
                    .iter()
                    .map(|(id, addr)| format!("{id}={addr}"))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            })
            .unwrap_or_default();
        table.row(vec![
            broker.map(|b| b.cluster.clone()).unwrap_or_default(),
            queue.broker_name.clone(),
            addrs,
            queue.read_queue_nums.to_string(),
            queue.write_queue_nums.to_string(),
            perm::describe(queue.perm),
        ]);
        read_total += queue.read_queue_nums;
        write_total += queue.write_queue_nums;
    }
    table.row(vec![String::new()]);
    table.row(vec![
        "Total:".into(),
        route.queue_datas.len().to_string(),
        String::new(),
        read_total.to_string(),
        write_total.to_string(),
        String::new(),
    ]);
    write(format_args!("{}", table.render()));
    Ok(())
}

#[derive(Serialize)]
struct ClusterTopic {
    cluster: String,
    topic: String,
}

pub(super) async fn topic_list(admin: &Admin, args: TopicListArgs) -> Result<(), AdminError> {
    if !args.cluster_model {
        let request = RemotingCommand::request(RequestCode::GetAllTopicListFromNameserver);
        let (addr, response) = admin.namesrv(request).await?;
        let list: TopicList = decode(&addr, "reading the topic list", &response.body)?;
        let mut topics = list.topic_list;
        topics.sort();
        if admin.json {
            print_json(&topics);
        } else {
            for topic in topics {
                out!("{topic}");
            }
        }
        return Ok(());
    }
    let info = admin.cluster_info().await?;
    let mut rows = Vec::new();
    for cluster in info.cluster_addr_table.keys() {
        let request =
            RemotingCommand::request(RequestCode::GetTopicsByCluster).with_ext("cluster", cluster);
        let (addr, response) = admin.namesrv(request).await?;
        let list: TopicList = decode(&addr, "reading the cluster's topics", &response.body)?;
        let mut topics = list.topic_list;
        topics.sort();
        rows.extend(
            topics
                .into_iter()
                .filter(|t| !t.starts_with("%RETRY%") && !t.starts_with("%DLQ%"))
                .map(|topic| ClusterTopic {
                    cluster: cluster.clone(),
                    topic,
                }),
        );
    }
    if admin.json {
        print_json(&rows);
    } else {
        let mut table = Table::new(&["#Cluster Name", "#Topic"]);
        for row in rows {
            table.row(vec![row.cluster, row.topic]);
        }
        write(format_args!("{}", table.render()));
    }
    Ok(())
}

pub(super) async fn topic_cluster_list(
    admin: &Admin,
    args: TopicClusterListArgs,
) -> Result<(), AdminError> {
    let (_, route) = fetch_route(admin, &args.topic).await?;
    let info = admin.cluster_info().await?;
    let names: BTreeSet<&str> = route
        .broker_datas
        .iter()
        .map(|b| b.broker_name.as_str())
        .collect();
    let clusters: Vec<&String> = info
        .cluster_addr_table
        .iter()
        .filter(|(_, groups)| groups.iter().any(|g| names.contains(g.as_str())))
        .map(|(cluster, _)| cluster)
        .collect();
    if admin.json {
        print_json(&clusters);
    } else {
        for cluster in clusters {
            out!("{cluster}");
        }
    }
    Ok(())
}

/// One broker process as `clusterList` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BrokerRow {
    cluster: String,
    broker_name: String,
    broker_id: i64,
    addr: String,
    /// The broker's runtime information; empty if it could not be had.
    runtime: BTreeMap<String, String>,
    /// Why the runtime information could not be had.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub(super) async fn cluster_list(admin: &Admin, args: ClusterListArgs) -> Result<(), AdminError> {
    loop {
        let info = admin.cluster_info().await?;
        let mut rows = Vec::new();
        for (cluster, groups) in &info.cluster_addr_table {
            if args
                .cluster_name
                .as_ref()
                .is_some_and(|wanted| wanted != cluster)
            {
                continue;
            }
            for group in groups {
                let Some(data) = info.broker_addr_table.get(group) else {
                    continue;
                };
                for (&id, addr) in &data.broker_addrs {
                    let request = RemotingCommand::request(RequestCode::GetBrokerRuntimeInfo);
                    let runtime = match admin.call(addr, request).await {
                        Ok(response) => {
                            decode::<KvTable>(addr, "reading runtime info", &response.body)
                        }
                        Err(error) => Err(error),
                    };
                    let (runtime, error) = match runtime {
                        Ok(kv) => (kv.table, None),
                        Err(error) => (BTreeMap::new(), Some(error.to_string())),
                    };
                    rows.push(BrokerRow {
                        cluster: cluster.clone(),
                        broker_name: group.clone(),
                        broker_id: id,
                        addr: addr.clone(),
                        runtime,
                        error,
                    });
                }
            }
        }
        if admin.json {
            print_json(&rows);
        } else if args.more_stats {
            write(format_args!("{}", more_stats_table(&rows).render()));
        } else {
            write(format_args!("{}", base_table(&rows).render()));
        }
        for row in &rows {
            if let Some(error) = &row.error {
                eprintln!("{} {}: {error}", row.broker_name, row.addr);
            }
        }
        match args.interval {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds.max(1))).await,
            None => return Ok(()),
        }
    }
}

fn stat<'a>(row: &'a BrokerRow, key: &str) -> &'a str {
    row.runtime.get(key).map_or("", String::as_str)
}

/// The first number of a `"1.0 2.0 3.0"` TPS triple.
fn first_number(text: &str) -> f64 {
    text.split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0)
}

fn base_table(rows: &[BrokerRow]) -> Table {
    let mut table = Table::new(&[
        "#Cluster Name",
        "#Broker Name",
        "#BID",
        "#Addr",
        "#Version",
        "#InTPS(LOAD)",
        "#OutTPS(LOAD)",
        "#Timer(Progress)",
        "#PCWait(ms)",
        "#Hour",
        "#SPACE",
        "#ACTIVATED",
    ]);
    let now = ferrymq_remoting::protocol::body::now_millis();
    for row in rows {
        let earliest: Option<i64> = stat(row, "earliestMessageTimeStamp").parse().ok();
        let hours = earliest.map_or(0.0, |ms| (now - ms) as f64 / 3_600_000.0);
        let space: f64 = stat(row, "commitLogDiskRatio").parse().unwrap_or(0.0);
        let number = |key: &str| stat(row, key).parse::<f64>().unwrap_or(0.0);
        table.row(vec![
            row.cluster.clone(),
            row.broker_name.clone(),
            row.broker_id.to_string(),
            row.addr.clone(),
            stat(row, "brokerVersionDesc").to_owned(),
            format!(
                "{:.2}({},{}ms)",
                first_number(stat(row, "putTps")),
                stat(row, "sendThreadPoolQueueSize"),
                stat(row, "sendThreadPoolQueueHeadWaitTimeMills")
            ),
            format!(
                "{:.2}({},{}ms|{},{}ms)",
                first_number(stat(row, "getTransferredTps")),
                stat(row, "pullThreadPoolQueueSize"),
                stat(row, "pullThreadPoolQueueHeadWaitTimeMills"),
                stat(row, "ackThreadPoolQueueSize"),
                stat(row, "ackThreadPoolQueueHeadWaitTimeMills")
            ),
            format!(
                "{}-{}({:.1}w, {:.1}, {:.1})",
                number("timerReadBehind"),
                number("timerOffsetBehind"),
                number("timerCongestNum") / 10_000.0,
                number("timerEnqueueTps"),
                number("timerDequeueTps")
            ),
            stat(row, "pageCacheLockTimeMills").to_owned(),
            format!("{hours:.2}"),
            format!("{space:.4}"),
            (stat(row, "brokerActive") == "true").to_string(),
        ]);
    }
    table
}

fn more_stats_table(rows: &[BrokerRow]) -> Table {
    let mut table = Table::new(&[
        "#Cluster Name",
        "#Broker Name",
        "#InTotalYest",
        "#OutTotalYest",
        "#InTotalToday",
        "#OutTotalToday",
    ]);
    for row in rows {
        let number = |key: &str| stat(row, key).parse::<i64>().unwrap_or(0);
        table.row(vec![
            row.cluster.clone(),
            row.broker_name.clone(),
            (number("msgPutTotalTodayMorning") - number("msgPutTotalYesterdayMorning")).to_string(),
            (number("msgGetTotalTodayMorning") - number("msgGetTotalYesterdayMorning")).to_string(),
            (number("msgPutTotalTodayNow") - number("msgPutTotalTodayMorning")).to_string(),
            (number("msgGetTotalTodayNow") - number("msgGetTotalTodayMorning")).to_string(),
        ]);
    }
    table
}
