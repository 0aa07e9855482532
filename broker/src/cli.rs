//! Command-line options of the broker, shared by `ferrymq-broker` and
//! `ferrymq standalone`.

use std::path::PathBuf;

use clap::Args;
use ferrymq_remoting::config::parse_setting;

use crate::config::{ConfigLoadError, EffectiveConfig};

/// Options of the broker. Java `mqbroker` users know `-c`, `-n` and `-p`.
#[derive(Debug, Clone, Default, Args)]
pub struct BrokerArgs {
    /// A broker.conf properties file with the Java broker's keys.
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Print the effective settings and exit.
    #[arg(short = 'p', long = "print-config")]
    pub print_config: bool,
    /// Name servers, `;`-separated [namesrvAddr, or NAMESRV_ADDR].
    #[arg(short = 'n', long = "namesrv-addr", value_name = "ADDRS")]
    pub namesrv_addr: Option<String>,
    /// The cluster [brokerClusterName, default DefaultCluster].
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The broker group [brokerName, default the host name].
    #[arg(long, value_name = "NAME")]
    pub broker_name: Option<String>,
    /// 0 for a master, above 0 for a slave [brokerId, default 0].
    #[arg(long, value_name = "ID")]
    pub broker_id: Option<i64>,
    /// The port to listen on [listenPort, default 10911].
    #[arg(long, value_name = "PORT")]
    pub listen_port: Option<u16>,
    /// The address to listen on [bindAddress, default 127.0.0.1].
    #[arg(long, value_name = "IP")]
    pub bind_address: Option<String>,
    /// Where the broker keeps its files [storePathRootDir, default ~/store].
    #[arg(long, value_name = "DIR")]
    pub store_path: Option<PathBuf>,
    /// Any other setting, as KEY=VALUE with its Java key (repeatable).
    #[arg(short = 'D', value_name = "KEY=VALUE", value_parser = parse_setting)]
    pub set: Vec<(String, String)>,
}

impl BrokerArgs {
    /// The settings these options give: defaults, the file, then flags.
    pub fn load(&self) -> Result<EffectiveConfig, ConfigLoadError> {
        let mut config = EffectiveConfig::load(self.config_file.as_deref())?;
        let mut pairs = self.set.clone();
        let flags = [
            ("namesrvAddr", self.namesrv_addr.clone()),
            ("brokerClusterName", self.cluster.clone()),
            ("brokerName", self.broker_name.clone()),
            ("brokerId", self.broker_id.map(|id| id.to_string())),
            ("listenPort", self.listen_port.map(|port| port.to_string())),
            ("bindAddress", self.bind_address.clone()),
            (
                "storePathRootDir",
                self.store_path
                    .as_ref()
                    .map(|path| path.display().to_string()),
            ),
        ];
        pairs.extend(
            flags
                .into_iter()
                .filter_map(|(key, value)| Some((key.to_owned(), value?))),
        );
        config.apply(pairs)?;
        config.resolve()
    }
}
