//! `ferrymq`: starts ferrymq daemons.
//!
//! - `ferrymq standalone`: a name server on 127.0.0.1:9876 and a broker on
//!   127.0.0.1:10911 registered with it, data under `./data`.
//! - `ferrymq namesrv ...` and `ferrymq broker ...`: the daemons alone, with
//!   the options of `ferrymq-namesrv` and `ferrymq-broker`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use ferrymq_broker::Broker;
use ferrymq_broker::cli::BrokerArgs;
use ferrymq_namesrv::NameServer;
use ferrymq_namesrv::cli::NamesrvArgs;
use ferrymq_remoting::shutdown::shutdown_signal;
use ferrymq_tools::standalone::{Standalone, StandaloneArgs};
use tracing_subscriber::EnvFilter;

/// ferrymq: a RocketMQ-compatible name server and broker.
#[derive(Debug, Parser)]
#[command(name = "ferrymq", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A name server and a broker on loopback, for a local setup.
    Standalone(StandaloneArgs),
    /// The name server alone.
    Namesrv(NamesrvArgs),
    /// The broker alone.
    Broker(BrokerArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Configuration errors and -p are reported before any logging starts.
    enum Daemon {
        Standalone(StandaloneArgs),
        Namesrv(ferrymq_namesrv::config::EffectiveConfig),
        Broker(ferrymq_broker::config::EffectiveConfig),
    }
    let daemon = match cli.command {
        Command::Standalone(args) => Daemon::Standalone(args),
        Command::Namesrv(args) => {
            let config = args.load().context("invalid name server configuration")?;
            if args.print_config {
                print!("{}", config.to_properties());
                return Ok(());
            }
            Daemon::Namesrv(config)
        }
        Command::Broker(args) => {
            let config = args.load().context("invalid broker configuration")?;
            if args.print_config {
                print!("{}", config.to_public_properties());
                return Ok(());
            }
            Daemon::Broker(config)
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match daemon {
            Daemon::Standalone(args) => {
                let both = Standalone::start(&args).await?;
                if let Err(error) = shutdown_signal().await {
                    tracing::error!(%error, "cannot listen for stop signals; stopping");
                }
                tracing::info!("shutting down");
                both.stop().await;
            }
            Daemon::Namesrv(config) => {
                let server = NameServer::bind(config).await?;
                if let Err(error) = shutdown_signal().await {
                    tracing::error!(%error, "cannot listen for stop signals; stopping");
                }
                server.stop().await;
            }
            Daemon::Broker(config) => {
                let broker = Broker::bind(config).await?;
                if let Err(error) = shutdown_signal().await {
                    tracing::error!(%error, "cannot listen for stop signals; stopping");
                }
                broker.stop().await;
            }
        }
        Ok(())
    })
}
