//! Command-line options of the name server, shared by `ferrymq-namesrv`
//! and `ferrymq standalone`.

use std::path::PathBuf;

use clap::Args;
use ferrymq_remoting::config::parse_setting;

use crate::config::{ConfigLoadError, EffectiveConfig};

/// Options of the name server. Java `mqnamesrv` users know `-c` and `-p`.
#[derive(Debug, Clone, Default, Args)]
pub struct NamesrvArgs {
    /// A properties file of NamesrvConfig and NettyServerConfig keys; runtime
    /// updates are saved back to it, as the Java name server does.
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Print the effective settings and exit.
    #[arg(short = 'p', long = "print-config")]
    pub print_config: bool,
    /// The port to listen on [listenPort, default 9876].
    #[arg(long, value_name = "PORT")]
    pub listen_port: Option<u16>,
    /// The address to listen on [bindAddress, default 127.0.0.1; use 0.0.0.0 to serve other hosts].
    #[arg(long, value_name = "IP")]
    pub bind_address: Option<String>,
    /// Where the KV configuration is kept [kvConfigPath, default ~/namesrv/kvConfig.json].
    #[arg(long, value_name = "FILE")]
    pub kv_config_path: Option<PathBuf>,
    /// Serve Prometheus metrics on this port [metricsPort, default off].
    #[arg(long, value_name = "PORT")]
    pub metrics_port: Option<u16>,
    /// Any other setting, as KEY=VALUE with its Java key (repeatable).
    #[arg(short = 'D', value_name = "KEY=VALUE", value_parser = parse_setting)]
    pub set: Vec<(String, String)>,
}

impl NamesrvArgs {
    /// The settings these options give: defaults, then the file, then flags.
    pub fn load(&self) -> Result<EffectiveConfig, ConfigLoadError> {
        let mut config = EffectiveConfig::load(self.config_file.as_deref())?;
        config.apply(self.set.iter().cloned())?;
        let values = &mut config.values;
        if let Some(port) = self.listen_port {
            values.listen_port = port;
        }
        if let Some(address) = &self.bind_address {
            values.bind_address.clone_from(address);
        }
        if let Some(path) = &self.kv_config_path {
            values.kv_config_path.clone_from(path);
        }
        if let Some(port) = self.metrics_port {
            values.metrics_port = port;
        }
        Ok(config)
    }
}
