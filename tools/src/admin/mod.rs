//! `ferrymq-admin`: route and topic management with mqadmin's subcommand
//! and option names, so operators' habits carry over.
//!
//! Every subcommand talks the remoting protocol only, so it manages a Java
//! name server and broker as well as ferrymq's. Read commands take `--json`
//! for scripts. A failure says what failed and why and exits non-zero.

mod broker;
mod context;
mod namesrv;
mod output;
mod routes;
mod topics;

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub use context::{Admin, AdminError};

/// Manage RocketMQ name servers and brokers (mqadmin's subcommands).
#[derive(Debug, Parser)]
#[command(name = "ferrymq-admin", version, disable_help_subcommand = true)]
pub struct AdminCli {
    /// Options of every subcommand.
    #[command(flatten)]
    pub common: CommonArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// Options every subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Name servers, `;`-separated [NAMESRV_ADDR].
    #[arg(
        short = 'n',
        long = "namesrvAddr",
        global = true,
        env = "NAMESRV_ADDR",
        value_name = "ADDRS"
    )]
    pub namesrv_addr: Option<String>,
    /// Print machine-readable JSON instead of tables (read commands).
    #[arg(long, global = true)]
    pub json: bool,
    /// How long each call may take, in milliseconds.
    #[arg(long, global = true, default_value_t = 5000, value_name = "MS")]
    pub timeout: u64,
    /// Sign requests with this account, for servers with access control on.
    #[arg(
        long = "accessKey",
        global = true,
        env = "FERRYMQ_ACCESS_KEY",
        value_name = "KEY",
        requires = "secret_key"
    )]
    pub access_key: Option<String>,
    /// The account's secret.
    #[arg(
        long = "secretKey",
        global = true,
        env = "FERRYMQ_SECRET_KEY",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
}

impl CommonArgs {
    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout.max(1))
    }
}

/// The subcommands, named as in mqadmin.
#[derive(Debug, Subcommand)]
#[allow(missing_docs)]
pub enum AdminCommand {
    /// Examine topic route info.
    #[command(name = "topicRoute")]
    TopicRoute(routes::TopicRouteArgs),
    /// Fetch all topic list from name server.
    #[command(name = "topicList")]
    TopicList(routes::TopicListArgs),
    /// Get cluster info for topic.
    #[command(name = "topicClusterList")]
    TopicClusterList(routes::TopicClusterListArgs),
    /// List cluster infos.
    #[command(name = "clusterList")]
    ClusterList(routes::ClusterListArgs),
    /// Update or create topic.
    #[command(name = "updateTopic")]
    UpdateTopic(topics::UpdateTopicArgs),
    /// Delete topic from broker and NameServer.
    #[command(name = "deleteTopic")]
    DeleteTopic(topics::DeleteTopicArgs),
    /// Update topic perm.
    #[command(name = "updateTopicPerm")]
    UpdateTopicPerm(topics::UpdateTopicPermArgs),
    /// Create or update or delete order conf.
    #[command(name = "updateOrderConf")]
    UpdateOrderConf(topics::UpdateOrderConfArgs),
    /// Wipe write perm of broker in all name server you defined in the -n param.
    #[command(name = "wipeWritePerm")]
    WipeWritePerm(namesrv::BrokerNameArgs),
    /// Add write perm of broker in all name server you defined in the -n param.
    #[command(name = "addWritePerm")]
    AddWritePerm(namesrv::BrokerNameArgs),
    /// Create or update KV config.
    #[command(name = "updateKvConfig")]
    UpdateKvConfig(namesrv::UpdateKvConfigArgs),
    /// Delete KV config.
    #[command(name = "deleteKvConfig")]
    DeleteKvConfig(namesrv::KvKeyArgs),
    /// Get one KV config value.
    #[command(name = "getKvConfig")]
    GetKvConfig(namesrv::KvKeyArgs),
    /// List the KV config of a namespace.
    #[command(name = "getKvList")]
    GetKvList(namesrv::KvNamespaceArgs),
    /// Get configs of name server.
    #[command(name = "getNamesrvConfig")]
    GetNamesrvConfig,
    /// Update configs of name server.
    #[command(name = "updateNamesrvConfig")]
    UpdateNamesrvConfig(namesrv::KeyValueArgs),
    /// Fetch broker runtime status data.
    #[command(name = "brokerStatus")]
    BrokerStatus(broker::BrokerTargetArgs),
    /// Get broker config by cluster or special broker.
    #[command(name = "getBrokerConfig")]
    GetBrokerConfig(broker::BrokerTargetArgs),
    /// Update broker's config.
    #[command(name = "updateBrokerConfig")]
    UpdateBrokerConfig(broker::UpdateBrokerConfigArgs),
}

impl AdminCli {
    /// Runs the subcommand, printing its output. Errors say what failed.
    pub async fn run(self) -> Result<(), AdminError> {
        let admin = Admin::new(
            self.common.namesrv_addr.as_deref(),
            self.common.timeout(),
            self.common.json,
        );
        match self.command {
            AdminCommand::TopicRoute(args) => routes::topic_route(&admin, args).await,
            AdminCommand::TopicList(args) => routes::topic_list(&admin, args).await,
            AdminCommand::TopicClusterList(args) => routes::topic_cluster_list(&admin, args).await,
            AdminCommand::ClusterList(args) => routes::cluster_list(&admin, args).await,
            AdminCommand::UpdateTopic(args) => topics::update_topic(&admin, args).await,
            AdminCommand::DeleteTopic(args) => topics::delete_topic(&admin, args).await,
            AdminCommand::UpdateTopicPerm(args) => topics::update_topic_perm(&admin, args).await,
            AdminCommand::UpdateOrderConf(args) => topics::update_order_conf(&admin, args).await,
            AdminCommand::WipeWritePerm(args) => namesrv::write_perm(&admin, args, false).await,
            AdminCommand::AddWritePerm(args) => namesrv::write_perm(&admin, args, true).await,
            AdminCommand::UpdateKvConfig(args) => namesrv::update_kv(&admin, args).await,
            AdminCommand::DeleteKvConfig(args) => namesrv::delete_kv(&admin, args).await,
            AdminCommand::GetKvConfig(args) => namesrv::get_kv(&admin, args).await,
            AdminCommand::GetKvList(args) => namesrv::get_kv_list(&admin, args).await,
            AdminCommand::GetNamesrvConfig => namesrv::get_config(&admin).await,
            AdminCommand::UpdateNamesrvConfig(args) => namesrv::update_config(&admin, args).await,
            AdminCommand::BrokerStatus(args) => broker::broker_status(&admin, args).await,
            AdminCommand::GetBrokerConfig(args) => broker::get_config(&admin, args).await,
            AdminCommand::UpdateBrokerConfig(args) => broker::update_config(&admin, args).await,
        }
    }
}
