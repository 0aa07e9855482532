//! Creating, deleting and changing topics.

use std::collections::BTreeMap;

use clap::Args;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::body::{TopicConfig, perm, sys_flag};
use ferrymq_remoting::protocol::header::{
    CreateTopicRequestHeader, KvConfigKeyRequestHeader, PutKvConfigRequestHeader,
};
use serde::Serialize;

use super::context::{Admin, AdminError, decode};
use super::output::{out, print_json};
use super::routes::fetch_route;

const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

/// Options of `updateTopic`.
#[derive(Debug, Args)]
pub struct UpdateTopicArgs {
    /// create topic to which broker
    #[arg(
        short = 'b',
        long = "brokerAddr",
        conflicts_with = "cluster_name",
        required_unless_present = "cluster_name"
    )]
    broker_addr: Option<String>,
    /// create topic to which cluster
    #[arg(short = 'c', long = "clusterName")]
    cluster_name: Option<String>,
    /// topic name
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// set read queue nums
    #[arg(short = 'r', long = "readQueueNums", default_value_t = 8)]
    read_queue_nums: i32,
    /// set write queue nums
    #[arg(short = 'w', long = "writeQueueNums", default_value_t = 8)]
    write_queue_nums: i32,
    /// set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]
    #[arg(short = 'p', long = "perm", default_value_t = 6)]
    perm: i32,
    /// set topic's order(true|false)
    #[arg(short = 'o', long = "order", default_value_t = false, action = clap::ArgAction::Set)]
    order: bool,
    /// is unit topic (true|false)
    #[arg(short = 'u', long = "unit", default_value_t = false, action = clap::ArgAction::Set)]
    unit: bool,
    /// has unit sub (true|false)
    #[arg(short = 's', long = "hasUnitSub", default_value_t = false, action = clap::ArgAction::Set)]
    has_unit_sub: bool,
    /// attribute(+a=b,+c=d,-e)
    #[arg(short = 'a', long = "attributes")]
    attributes: Option<String>,
}

/// Options of `deleteTopic`.
#[derive(Debug, Args)]
pub struct DeleteTopicArgs {
    /// topic name
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// delete topic from which cluster
    #[arg(short = 'c', long = "clusterName")]
    cluster_name: String,
}

/// Options of `updateTopicPerm`.
#[derive(Debug, Args)]
pub struct UpdateTopicPermArgs {
    /// only on this broker
    #[arg(short = 'b', long = "brokerAddr", conflicts_with = "cluster_name")]
    broker_addr: Option<String>,
    /// only on this cluster's brokers
    #[arg(short = 'c', long = "clusterName")]
    cluster_name: Option<String>,
    /// topic name
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// set topic's permission(2|4|6), intro[2:W; 4:R; 6:RW]
    #[arg(short = 'p', long = "perm")]
    perm: i32,
}

/// Options of `updateOrderConf`.
#[derive(Debug, Args)]
pub struct UpdateOrderConfArgs {
    /// topic name
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// set order conf [eg. brokerName1:num;brokerName2:num]
    #[arg(short = 'v', long = "orderConf")]
    order_conf: Option<String>,
    /// option type [eg. put|get|delete
    #[arg(short = 'm', long = "method", value_parser = ["put", "get", "delete"])]
    method: String,
}

/// A topic config as the Java admin prints it.
fn describe(config: &TopicConfig) -> String {
    format!(
        "TopicConfig [topicName={}, readQueueNums={}, writeQueueNums={}, perm={}, topicFilterType={}, topicSysFlag={}, order={}, attributes={:?}]",
        config.topic_name,
        config.read_queue_nums,
        config.write_queue_nums,
        perm::describe(config.perm),
        config.topic_filter_type.name(),
        config.topic_sys_flag,
        config.order,
        config.attributes
    )
}

fn create_request(config: &TopicConfig, attributes: Option<String>) -> RemotingCommand {
    let header = CreateTopicRequestHeader {
        topic: config.topic_name.clone(),
        default_topic: "TBW102".into(),
        read_queue_nums: config.read_queue_nums,
        write_queue_nums: config.write_queue_nums,
        perm: config.perm,
        topic_filter_type: config.topic_filter_type.name().into(),
        topic_sys_flag: Some(config.topic_sys_flag),
        order: config.order,
        attributes,
    };
    RemotingCommand::request_with_header(RequestCode::UpdateAndCreateTopic, &header)
}

async fn put_kv(admin: &Admin, namespace: &str, key: &str, value: &str) -> Result<(), AdminError> {
    let header = PutKvConfigRequestHeader {
        namespace: namespace.into(),
        key: key.into(),
        value: value.into(),
    };
    let request = RemotingCommand::request_with_header(RequestCode::PutKvConfig, &header);
    all_succeeded(admin.each_namesrv(request).await?)
}

/// Writes go to every name server: they do not replicate.
pub(super) fn all_succeeded(
    outcomes: Vec<(String, Result<RemotingCommand, AdminError>)>,
) -> Result<(), AdminError> {
    let errors: Vec<AdminError> = outcomes
        .into_iter()
        .filter_map(|(_, outcome)| outcome.err())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AdminError::Several(errors))
    }
}

async fn get_order_conf(admin: &Admin, topic: &str) -> Result<Option<String>, AdminError> {
    let header = KvConfigKeyRequestHeader {
        namespace: ORDER_TOPIC_CONFIG.into(),
        key: topic.into(),
    };
    match admin
        .namesrv(RemotingCommand::request_with_header(
            RequestCode::GetKvConfig,
            &header,
        ))
        .await
    {
        Ok((_, response)) => Ok(response.ext("value").map(str::to_owned)),
        Err(AdminError::Refused { code: 22, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

pub(super) async fn update_topic(admin: &Admin, args: UpdateTopicArgs) -> Result<(), AdminError> {
    let mut sys_flags = 0;
    if args.unit {
        sys_flags |= sys_flag::UNIT;
    }
    if args.has_unit_sub {
        sys_flags |= sys_flag::UNIT_SUB;
    }
    let config = TopicConfig {
        order: args.order,
        perm: args.perm,
        read_queue_nums: args.read_queue_nums,
        topic_name: args.topic.clone(),
        topic_sys_flag: sys_flags,
        write_queue_nums: args.write_queue_nums,
        ..TopicConfig::default()
    };
    if let Some(addr) = &args.broker_addr {
        admin
            .call(addr, create_request(&config, args.attributes.clone()))
            .await?;
        out!("create topic to {addr} success.");
        if args.order {
            let info = admin.cluster_info().await?;
            let name = info
                .broker_addr_table
                .values()
                .find(|data| data.broker_addrs.values().any(|a| a == addr))
                .map(|data| data.broker_name.clone())
                .ok_or_else(|| {
                    AdminError::Usage(format!(
                        "broker {addr} is not registered with the name servers"
                    ))
                })?;
            // Merge this broker's entry into the topic's existing order conf.
            let mut entries: BTreeMap<String, String> = get_order_conf(admin, &args.topic)
                .await?
                .unwrap_or_default()
                .split(';')
                .filter_map(|entry| entry.split_once(':'))
                .map(|(broker, count)| (broker.to_owned(), count.to_owned()))
                .collect();
            entries.insert(name, config.write_queue_nums.to_string());
            let order_conf = entries
                .iter()
                .map(|(b, c)| format!("{b}:{c}"))
                .collect::<Vec<_>>()
                .join(";");
            put_kv(admin, ORDER_TOPIC_CONFIG, &args.topic, &order_conf).await?;
            out!(
                "set broker orderConf. isOrder={}, orderConf=[{order_conf}]",
                args.order
            );
        }
        out!("{}", describe(&config));
        return Ok(());
    }
    let cluster = args
        .cluster_name
        .as_deref()
        .expect("clap requires -b or -c");
    let masters = admin.cluster_masters(cluster).await?;
    if masters.is_empty() {
        return Err(AdminError::Usage(format!(
            "cluster {cluster} has no master broker"
        )));
    }
    for addr in masters.values() {
        admin
            .call(addr, create_request(&config, args.attributes.clone()))
            .await?;
        out!("create topic to {addr} success.");
    }
    if args.order {
        let order_conf = masters
            .keys()
            .map(|name| format!("{name}:{}", config.write_queue_nums))
            .collect::<Vec<_>>()
            .join(";");
        put_kv(admin, ORDER_TOPIC_CONFIG, &args.topic, &order_conf).await?;
        out!(
            "set cluster orderConf. isOrder={}, orderConf=[{order_conf}]",
            args.order
        );
    }
    out!("{}", describe(&config));
    Ok(())
}

pub(super) async fn delete_topic(admin: &Admin, args: DeleteTopicArgs) -> Result<(), AdminError> {
    let masters = admin.cluster_masters(&args.cluster_name).await?;
    for addr in masters.values() {
        let request = RemotingCommand::request(RequestCode::DeleteTopicInBroker)
            .with_ext("topic", &args.topic);
        admin.call(addr, request).await?;
    }
    out!(
        "delete topic [{}] from cluster [{}] success.",
        args.topic,
        args.cluster_name
    );
    let request = RemotingCommand::request(RequestCode::DeleteTopicInNamesrv)
        .with_ext("topic", &args.topic)
        .with_ext("clusterName", &args.cluster_name);
    all_succeeded(admin.each_namesrv(request).await?)?;
    out!("delete topic [{}] from NameServer success.", args.topic);
    Ok(())
}

pub(super) async fn update_topic_perm(
    admin: &Admin,
    args: UpdateTopicPermArgs,
) -> Result<(), AdminError> {
    if ![2, 4, 6].contains(&args.perm) {
        return Err(AdminError::Usage(format!(
            "perm must be 2 (write), 4 (read) or 6 (read-write), not {}",
            args.perm
        )));
    }
    let (_, route) = fetch_route(admin, &args.topic).await?;
    let wanted_cluster = args.cluster_name.as_deref();
    let mut updated = 0;
    for queue in &route.queue_datas {
        let Some(data) = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == queue.broker_name)
        else {
            continue;
        };
        let Some(master) = data.master_addr() else {
            continue;
        };
        if args
            .broker_addr
            .as_deref()
            .is_some_and(|addr| addr != master)
            || wanted_cluster.is_some_and(|cluster| cluster != data.cluster)
        {
            continue;
        }
        let request =
            RemotingCommand::request(RequestCode::GetTopicConfig).with_ext("topic", &args.topic);
        let response = admin.call(master, request).await?;
        let mut config: TopicConfig = decode(master, "reading the topic config", &response.body)?;
        if config.perm == args.perm {
            out!("new perm equals to the old one!");
            continue;
        }
        let old = config.perm;
        config.perm = args.perm;
        admin.call(master, create_request(&config, None)).await?;
        out!(
            "update topic perm from {old} to {} in {master} success.",
            args.perm
        );
        updated += 1;
    }
    if updated == 0 && args.broker_addr.is_some() {
        return Err(AdminError::Usage(
            "updateTopicPerm error broker not exit or broker is not master!".into(),
        ));
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderConf<'a> {
    topic: &'a str,
    order_conf: Option<String>,
}

pub(super) async fn update_order_conf(
    admin: &Admin,
    args: UpdateOrderConfArgs,
) -> Result<(), AdminError> {
    match args.method.as_str() {
        "get" => {
            let order_conf = get_order_conf(admin, &args.topic).await?;
            if admin.json {
                print_json(&OrderConf {
                    topic: &args.topic,
                    order_conf,
                });
            } else {
                out!(
                    "get orderConf success. topic=[{}], orderConf=[{}]",
                    args.topic,
                    order_conf.as_deref().unwrap_or("")
                );
            }
        }
        "put" => {
            let value = args.order_conf.as_deref().ok_or_else(|| {
                AdminError::Usage(
                    "-v orderConf is required to put, e.g. broker-a:4;broker-b:4".into(),
                )
            })?;
            let valid = value.split(';').all(|entry| {
                entry.split_once(':').is_some_and(|(broker, count)| {
                    !broker.is_empty() && count.parse::<u32>().is_ok()
                })
            });
            if !valid {
                return Err(AdminError::Usage(format!(
                    "orderConf {value:?} is not brokerName:num[;brokerName:num]"
                )));
            }
            put_kv(admin, ORDER_TOPIC_CONFIG, &args.topic, value).await?;
            out!(
                "update orderConf success. topic=[{}], orderConf=[{value}]",
                args.topic
            );
        }
        _ => {
            let header = KvConfigKeyRequestHeader {
                namespace: ORDER_TOPIC_CONFIG.into(),
                key: args.topic.clone(),
            };
            let request =
                RemotingCommand::request_with_header(RequestCode::DeleteKvConfig, &header);
            all_succeeded(admin.each_namesrv(request).await?)?;
            out!("delete orderConf success. topic=[{}]", args.topic);
        }
    }
    Ok(())
}
