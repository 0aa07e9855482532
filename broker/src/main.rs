//! `ferrymq-broker`: the broker daemon.

use anyhow::Context;
use clap::Parser;
use ferrymq_broker::Broker;
use ferrymq_broker::cli::BrokerArgs;
use ferrymq_remoting::shutdown::shutdown_signal;
use tracing_subscriber::EnvFilter;

/// A RocketMQ-compatible broker (topics and routing; no message storage yet).
#[derive(Debug, Parser)]
#[command(name = "ferrymq-broker", version)]
struct Cli {
    #[command(flatten)]
    broker: BrokerArgs,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.broker.load().context("invalid configuration")?;
    if cli.broker.print_config {
        print!("{}", config.to_public_properties());
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if config.namesrv_addrs().is_empty() {
        tracing::warn!(
            "no name server configured (namesrvAddr, -n or NAMESRV_ADDR): clients will not find this broker"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let broker = Broker::bind(config).await?;
        let token = broker.shutdown_token();
        tokio::spawn(async move {
            if let Err(error) = shutdown_signal().await {
                tracing::error!(%error, "cannot listen for stop signals; stopping");
            }
            tracing::info!("shutting down: unregistering from the name servers");
            token.cancel();
        });
        broker.wait().await;
        Ok(())
    })
}
