//! Broker state: runtime status and settings.

use std::collections::BTreeMap;

use clap::Args;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::body::KvTable;
use ferrymq_remoting::protocol::properties;

use super::context::{Admin, AdminError, decode};
use super::output::{out, print_json};

/// Options choosing brokers: one address, or every broker of a cluster.
#[derive(Debug, Args)]
pub struct BrokerTargetArgs {
    /// Broker address
    #[arg(
        short = 'b',
        long = "brokerAddr",
        conflicts_with = "cluster_name",
        required_unless_present = "cluster_name"
    )]
    broker_addr: Option<String>,
    /// which cluster
    #[arg(short = 'c', long = "clusterName")]
    cluster_name: Option<String>,
}

/// Options of `updateBrokerConfig`.
#[derive(Debug, Args)]
pub struct UpdateBrokerConfigArgs {
    /// update which broker
    #[arg(
        short = 'b',
        long = "brokerAddr",
        conflicts_with = "cluster_name",
        required_unless_present = "cluster_name"
    )]
    broker_addr: Option<String>,
    /// update which cluster (its masters, or every broker with -a)
    #[arg(short = 'c', long = "clusterName")]
    cluster_name: Option<String>,
    /// update all brokers include slave
    #[arg(short = 'a', long = "updateAllBroker", default_value_t = false, action = clap::ArgAction::Set)]
    update_all_broker: bool,
    /// config key
    #[arg(short = 'k', long = "key")]
    key: String,
    /// config value
    #[arg(short = 'v', long = "value")]
    value: String,
}

async fn targets(
    admin: &Admin,
    addr: &Option<String>,
    cluster: &Option<String>,
    slaves: bool,
) -> Result<Vec<String>, AdminError> {
    match (addr, cluster) {
        (Some(addr), _) => Ok(vec![addr.clone()]),
        (None, Some(cluster)) if slaves => admin.cluster_brokers(cluster).await,
        (None, Some(cluster)) => Ok(admin
            .cluster_masters(cluster)
            .await?
            .into_values()
            .collect()),
        (None, None) => Err(AdminError::Usage(
            "give -b brokerAddr or -c clusterName".into(),
        )),
    }
}

pub(super) async fn broker_status(admin: &Admin, args: BrokerTargetArgs) -> Result<(), AdminError> {
    let addrs = targets(admin, &args.broker_addr, &args.cluster_name, true).await?;
    let mut all = BTreeMap::new();
    for addr in &addrs {
        let response = admin
            .call(
                addr,
                RemotingCommand::request(RequestCode::GetBrokerRuntimeInfo),
            )
            .await?;
        let table: KvTable = decode(addr, "reading runtime info", &response.body)?;
        all.insert(addr.clone(), table.table);
    }
    if admin.json {
        print_json(&all);
        return Ok(());
    }
    for (addr, table) in &all {
        for (key, value) in table {
            if addrs.len() > 1 {
                out!("{addr:<24} {key:<32}: {value}");
            } else {
                out!("{key:<32}: {value}");
            }
        }
    }
    Ok(())
}

pub(super) async fn get_config(admin: &Admin, args: BrokerTargetArgs) -> Result<(), AdminError> {
    let addrs = targets(admin, &args.broker_addr, &args.cluster_name, true).await?;
    let mut all = BTreeMap::new();
    for addr in &addrs {
        let response = admin
            .call(addr, RemotingCommand::request(RequestCode::GetBrokerConfig))
            .await?;
        let text = String::from_utf8_lossy(&response.body).into_owned();
        let pairs: BTreeMap<String, String> = properties::parse(&text)
            .map_err(|error| AdminError::Malformed {
                what: "reading broker settings".into(),
                addr: addr.clone(),
                reason: error.to_string(),
            })?
            .into_iter()
            .collect();
        all.insert(addr.clone(), pairs);
    }
    if admin.json {
        print_json(&all);
        return Ok(());
    }
    for (addr, pairs) in &all {
        out!("============{addr}============");
        if pairs.is_empty() {
            out!("Broker[{addr}] has no config property!");
        }
        for (key, value) in pairs {
            out!("{key:<50}=  {value}");
        }
        out!();
    }
    Ok(())
}

pub(super) async fn update_config(
    admin: &Admin,
    args: UpdateBrokerConfigArgs,
) -> Result<(), AdminError> {
    let addrs = targets(
        admin,
        &args.broker_addr,
        &args.cluster_name,
        args.update_all_broker,
    )
    .await?;
    let body = properties::format([(args.key.as_str(), args.value.as_str())]);
    for addr in addrs {
        admin
            .call(
                &addr,
                RemotingCommand::request(RequestCode::UpdateBrokerConfig).with_body(body.clone()),
            )
            .await?;
        out!("update broker config success, {addr}");
    }
    Ok(())
}
