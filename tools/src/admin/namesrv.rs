//! Name-server state: write permissions, KV config, settings.

use std::collections::BTreeMap;

use clap::Args;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::body::KvTable;
use ferrymq_remoting::protocol::header::{
    BrokerNameRequestHeader, GetKvListByNamespaceRequestHeader, KvConfigKeyRequestHeader,
    PutKvConfigRequestHeader,
};
use ferrymq_remoting::protocol::properties;
use serde::Serialize;

use super::context::{Admin, AdminError, decode};
use super::output::{Table, out, print_json, write};
use super::topics::all_succeeded;

/// Options naming a broker group.
#[derive(Debug, Args)]
pub struct BrokerNameArgs {
    /// broker name
    #[arg(short = 'b', long = "brokerName")]
    broker_name: String,
}

/// Options of `updateKvConfig`.
#[derive(Debug, Args)]
pub struct UpdateKvConfigArgs {
    /// set the namespace
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    /// set the key name
    #[arg(short = 'k', long = "key")]
    key: String,
    /// set the key value
    #[arg(short = 'v', long = "value")]
    value: String,
}

/// Options naming one KV entry.
#[derive(Debug, Args)]
pub struct KvKeyArgs {
    /// the namespace
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    /// the key name
    #[arg(short = 'k', long = "key")]
    key: String,
}

/// Options naming a KV namespace.
#[derive(Debug, Args)]
pub struct KvNamespaceArgs {
    /// the namespace
    #[arg(short = 's', long = "namespace")]
    namespace: String,
}

/// Options of `updateNamesrvConfig`.
#[derive(Debug, Args)]
pub struct KeyValueArgs {
    /// config key
    #[arg(short = 'k', long = "key")]
    pub(super) key: String,
    /// config value
    #[arg(short = 'v', long = "value")]
    pub(super) value: String,
}

pub(super) async fn write_perm(
    admin: &Admin,
    args: BrokerNameArgs,
    add: bool,
) -> Result<(), AdminError> {
    let (code, count_key, verb) = if add {
        (RequestCode::AddWritePermOfBroker, "addTopicCount", "add")
    } else {
        (RequestCode::WipeWritePermOfBroker, "wipeTopicCount", "wipe")
    };
    let header = BrokerNameRequestHeader {
        broker_name: args.broker_name.clone(),
    };
    let request = RemotingCommand::request_with_header(code, &header);
    let mut errors = Vec::new();
    for (addr, outcome) in admin.each_namesrv(request).await? {
        match outcome {
            Ok(response) => out!(
                "{verb} write perm of broker[{}] in name server[{addr}] OK, {}",
                args.broker_name,
                response.ext(count_key).unwrap_or("0")
            ),
            Err(error) => {
                out!(
                    "{verb} write perm of broker[{}] in name server[{addr}] Failed",
                    args.broker_name
                );
                errors.push(error);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AdminError::Several(errors))
    }
}

pub(super) async fn update_kv(admin: &Admin, args: UpdateKvConfigArgs) -> Result<(), AdminError> {
    let header = PutKvConfigRequestHeader {
        namespace: args.namespace,
        key: args.key,
        value: args.value,
    };
    let request = RemotingCommand::request_with_header(RequestCode::PutKvConfig, &header);
    all_succeeded(admin.each_namesrv(request).await?)?;
    out!("create or update kv config to namespace success.");
    Ok(())
}

pub(super) async fn delete_kv(admin: &Admin, args: KvKeyArgs) -> Result<(), AdminError> {
    let header = KvConfigKeyRequestHeader {
        namespace: args.namespace,
        key: args.key,
    };
    let request = RemotingCommand::request_with_header(RequestCode::DeleteKvConfig, &header);
    all_succeeded(admin.each_namesrv(request).await?)?;
    out!("delete kv config from namespace success.");
    Ok(())
}

#[derive(Serialize)]
struct KvValue<'a> {
    namespace: &'a str,
    key: &'a str,
    value: &'a str,
}

pub(super) async fn get_kv(admin: &Admin, args: KvKeyArgs) -> Result<(), AdminError> {
    let header = KvConfigKeyRequestHeader {
        namespace: args.namespace.clone(),
        key: args.key.clone(),
    };
    let (_, response) = admin
        .namesrv(RemotingCommand::request_with_header(
            RequestCode::GetKvConfig,
            &header,
        ))
        .await?;
    let value = response.ext("value").unwrap_or_default();
    if admin.json {
        print_json(&KvValue {
            namespace: &args.namespace,
            key: &args.key,
            value,
        });
    } else {
        out!("{value}");
    }
    Ok(())
}

pub(super) async fn get_kv_list(admin: &Admin, args: KvNamespaceArgs) -> Result<(), AdminError> {
    let header = GetKvListByNamespaceRequestHeader {
        namespace: args.namespace,
    };
    let request = RemotingCommand::request_with_header(RequestCode::GetKvlistByNamespace, &header);
    let (addr, response) = admin.namesrv(request).await?;
    let table: KvTable = decode(&addr, "reading the KV list", &response.body)?;
    if admin.json {
        print_json(&table.table);
    } else {
        let mut out = Table::new(&["#Key", "#Value"]);
        for (key, value) in table.table {
            out.row(vec![key, value]);
        }
        write(format_args!("{}", out.render()));
    }
    Ok(())
}

pub(super) async fn get_config(admin: &Admin) -> Result<(), AdminError> {
    let mut all = BTreeMap::new();
    let mut errors = Vec::new();
    for (addr, outcome) in admin
        .each_namesrv(RemotingCommand::request(RequestCode::GetNamesrvConfig))
        .await?
    {
        match outcome {
            Ok(response) => {
                let text = String::from_utf8_lossy(&response.body).into_owned();
                let pairs: BTreeMap<String, String> = properties::parse(&text)
                    .map_err(|error| AdminError::Malformed {
                        what: "reading name server settings".into(),
                        addr: addr.clone(),
                        reason: error.to_string(),
                    })?
                    .into_iter()
                    .collect();
                all.insert(addr, pairs);
            }
            Err(error) => errors.push(error),
        }
    }
    if admin.json {
        print_json(&all);
    } else {
        for (addr, pairs) in &all {
            out!("============{addr}============");
            for (key, value) in pairs {
                out!("{key:<50}=  {value}");
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AdminError::Several(errors))
    }
}

pub(super) async fn update_config(admin: &Admin, args: KeyValueArgs) -> Result<(), AdminError> {
    let body = properties::format([(args.key.as_str(), args.value.as_str())]);
    let request = RemotingCommand::request(RequestCode::UpdateNamesrvConfig).with_body(body);
    all_succeeded(admin.each_namesrv(request).await?)?;
    out!(
        "update name server config success!{:?}\n{} : {}",
        admin.namesrv_addrs()?,
        args.key,
        args.value
    );
    Ok(())
}
