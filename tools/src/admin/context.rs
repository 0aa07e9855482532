//! Talking to name servers and brokers on behalf of a subcommand.

use std::collections::BTreeMap;
use std::time::Duration;

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::acl::Credentials;
use ferrymq_remoting::client::{ClientError, Failover, RemotingClient, parse_addr_list};
use ferrymq_remoting::protocol::body::ClusterInfo;
use ferrymq_remoting::protocol::{RequestCode, json, request_code_name, response_code_name};
use serde::de::DeserializeOwned;

/// Why a subcommand failed; printed as is.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No name server to ask.
    #[error("no name server: give -n host:port[;host:port] or set NAMESRV_ADDR")]
    NoNameServer,
    /// A server did not answer.
    #[error("{what}: {source}")]
    Unreachable {
        /// What was being done.
        what: String,
        /// Which address and why.
        source: ClientError,
    },
    /// A server answered with an error code.
    #[error("{what}: {addr} answered {code_name} ({code}){}", remark_suffix(.remark))]
    Refused {
        /// What was being done.
        what: String,
        /// Who answered.
        addr: String,
        /// The response code.
        code: i32,
        /// Its name.
        code_name: String,
        /// The remark, if any.
        remark: Option<String>,
    },
    /// A server's answer could not be read.
    #[error("{what}: unreadable answer from {addr}: {reason}")]
    Malformed {
        /// What was being done.
        what: String,
        /// Who answered.
        addr: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The arguments do not make sense together.
    #[error("{0}")]
    Usage(String),
    /// Several calls failed (commands that fan out to every server).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<AdminError>),
}

fn remark_suffix(remark: &Option<String>) -> String {
    match remark.as_deref() {
        Some(remark) if !remark.is_empty() => format!(": {remark}"),
        _ => String::new(),
    }
}

/// The connection to a cluster's name servers and brokers.
#[derive(Debug)]
pub struct Admin {
    client: RemotingClient,
    credentials: Option<Credentials>,
    namesrvs: Failover,
    timeout: Duration,
    /// Whether to print JSON.
    pub json: bool,
}

impl Admin {
    /// An admin for the `;`-separated name server list.
    pub fn new(namesrv_addr: Option<&str>, timeout: Duration, json: bool) -> Self {
        Admin {
            client: RemotingClient::default(),
            credentials: None,
            namesrvs: Failover::new(parse_addr_list(namesrv_addr.unwrap_or_default())),
            timeout,
            json,
        }
    }

    /// Signs every request with `credentials`, if given.
    pub fn with_credentials(mut self, credentials: Option<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    fn signed(&self, mut request: RemotingCommand) -> RemotingCommand {
        if let Some(credentials) = &self.credentials {
            credentials.sign(&mut request);
        }
        request
    }

    /// The configured name servers.
    pub fn namesrv_addrs(&self) -> Result<&[String], AdminError> {
        match self.namesrvs.addrs() {
            [] => Err(AdminError::NoNameServer),
            addrs => Ok(addrs),
        }
    }

    /// Sends a request to one name server, moving to the next on failure.
    /// Returns the answering address and the successful response.
    pub async fn namesrv(
        &self,
        request: RemotingCommand,
    ) -> Result<(String, RemotingCommand), AdminError> {
        self.namesrv_addrs()?;
        let what = describe(&request);
        let (addr, response) = self
            .namesrvs
            .invoke(&self.client, self.signed(request), self.timeout)
            .await
            .map_err(|source| AdminError::Unreachable {
                what: what.clone(),
                source,
            })?;
        Ok((addr.clone(), check(what, addr, response)?))
    }

    /// Sends a request to one server and checks it succeeded.
    pub async fn call(
        &self,
        addr: &str,
        request: RemotingCommand,
    ) -> Result<RemotingCommand, AdminError> {
        let what = describe(&request);
        let response = self
            .client
            .invoke(addr, self.signed(request), self.timeout)
            .await
            .map_err(|source| AdminError::Unreachable {
                what: what.clone(),
                source,
            })?;
        check(what, addr.to_owned(), response)
    }

    /// Sends a request to every name server, each outcome with its address.
    pub async fn each_namesrv(
        &self,
        request: RemotingCommand,
    ) -> Result<Vec<(String, Result<RemotingCommand, AdminError>)>, AdminError> {
        let mut outcomes = Vec::new();
        for addr in self.namesrv_addrs()? {
            outcomes.push((addr.clone(), self.call(addr, request.clone()).await));
        }
        Ok(outcomes)
    }

    /// Cluster membership (GET_BROKER_CLUSTER_INFO).
    pub async fn cluster_info(&self) -> Result<ClusterInfo, AdminError> {
        let (addr, response) = self
            .namesrv(RemotingCommand::request(RequestCode::GetBrokerClusterInfo))
            .await?;
        decode(&addr, "reading cluster info", &response.body)
    }

    /// The master addresses of a cluster's broker groups, by group name.
    pub async fn cluster_masters(
        &self,
        cluster: &str,
    ) -> Result<BTreeMap<String, String>, AdminError> {
        let info = self.cluster_info().await?;
        let names = info.cluster_addr_table.get(cluster).ok_or_else(|| {
            AdminError::Usage(format!(
                "cluster {cluster} is not known to the name servers"
            ))
        })?;
        Ok(names
            .iter()
            .filter_map(|name| {
                let master = info.broker_addr_table.get(name)?.master_addr()?;
                Some((name.clone(), master.to_owned()))
            })
            .collect())
    }

    /// Every broker address of a cluster, masters and slaves.
    pub async fn cluster_brokers(&self, cluster: &str) -> Result<Vec<String>, AdminError> {
        let info = self.cluster_info().await?;
        let names = info.cluster_addr_table.get(cluster).ok_or_else(|| {
            AdminError::Usage(format!(
                "cluster {cluster} is not known to the name servers"
            ))
        })?;
        Ok(names
            .iter()
            .filter_map(|name| info.broker_addr_table.get(name))
            .flat_map(|data| data.broker_addrs.values().cloned())
            .collect())
    }
}

/// Reads a JSON body, saying who sent it if it is unreadable.
pub(super) fn decode<T: DeserializeOwned>(
    addr: &str,
    what: &str,
    body: &[u8],
) -> Result<T, AdminError> {
    json::from_slice(body).map_err(|error| AdminError::Malformed {
        what: what.to_owned(),
        addr: addr.to_owned(),
        reason: error.to_string(),
    })
}

fn describe(request: &RemotingCommand) -> String {
    format!("{} failed", request_code_name(request.code))
}

fn check(
    what: String,
    addr: String,
    response: RemotingCommand,
) -> Result<RemotingCommand, AdminError> {
    if response.is_success() {
        Ok(response)
    } else {
        Err(AdminError::Refused {
            what,
            addr,
            code: response.code,
            code_name: response_code_name(response.code).into_owned(),
            remark: response.remark,
        })
    }
}
