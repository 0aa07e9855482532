//! One name server and one broker in one process, on loopback, for trying
//! ferrymq out and for local development.

use std::path::PathBuf;

use clap::Args;
use ferrymq_broker::Broker;
use ferrymq_namesrv::NameServer;
use tracing::info;

/// Options of `ferrymq standalone`.
#[derive(Debug, Clone, Args)]
pub struct StandaloneArgs {
    /// Where both keep their files.
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The address both listen on.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub bind_address: String,
    /// The name server's port.
    #[arg(long, value_name = "PORT", default_value_t = 9876)]
    pub namesrv_port: u16,
    /// The broker's port.
    #[arg(long, value_name = "PORT", default_value_t = 10911)]
    pub broker_port: u16,
    /// The broker group's name.
    #[arg(long, value_name = "NAME", default_value = "broker-a")]
    pub broker_name: String,
}

/// The two daemons, running.
#[derive(Debug)]
pub struct Standalone {
    /// The name server.
    pub namesrv: NameServer,
    /// The broker, registered with it.
    pub broker: Broker,
}

impl Standalone {
    /// Starts the name server, then the broker registered with it.
    pub async fn start(args: &StandaloneArgs) -> anyhow::Result<Self> {
        let mut namesrv_config = ferrymq_namesrv::config::EffectiveConfig::default();
        let namesrv_dir = args.data_dir.join("namesrv");
        namesrv_config
            .values
            .bind_address
            .clone_from(&args.bind_address);
        namesrv_config.values.listen_port = args.namesrv_port;
        namesrv_config.values.kv_config_path = namesrv_dir.join("kvConfig.json");
        namesrv_config.values.config_store_path = namesrv_dir.join("namesrv.properties");
        let namesrv = NameServer::bind(namesrv_config).await?;
        let namesrv_addr = format!("{}:{}", args.bind_address, namesrv.local_addr().port());

        let mut broker_config = ferrymq_broker::config::EffectiveConfig::default();
        let values = &mut broker_config.values;
        values.namesrv_addr.clone_from(&namesrv_addr);
        values.bind_address.clone_from(&args.bind_address);
        values.listen_port = args.broker_port;
        values.broker_name.clone_from(&args.broker_name);
        values.store_path_root_dir = args.data_dir.join("broker");
        let broker = Broker::bind(broker_config.resolve()?).await?;
        info!(
            name_server = %namesrv_addr,
            broker = %broker.config().broker_addr(),
            data = %args.data_dir.display(),
            "ferrymq is up: point clients at NAMESRV_ADDR={namesrv_addr}"
        );
        Ok(Standalone { namesrv, broker })
    }

    /// Stops the broker (unregistering it), then the name server.
    pub async fn stop(self) {
        self.broker.stop().await;
        self.namesrv.stop().await;
    }
}
