//! `ferrymq-namesrv`: the name server daemon.

use anyhow::Context;
use clap::Parser;
use ferrymq_namesrv::NameServer;
use ferrymq_namesrv::cli::NamesrvArgs;
use ferrymq_remoting::shutdown::shutdown_signal;
use tracing_subscriber::EnvFilter;

/// A RocketMQ-compatible name server.
#[derive(Debug, Parser)]
#[command(name = "ferrymq-namesrv", version)]
struct Cli {
    #[command(flatten)]
    namesrv: NamesrvArgs,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.namesrv.load().context("invalid configuration")?;
    if cli.namesrv.print_config {
        print!("{}", config.to_properties());
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = NameServer::bind(config).await?;
        let token = server.shutdown_token();
        tokio::spawn(async move {
            if let Err(error) = shutdown_signal().await {
                tracing::error!(%error, "cannot listen for stop signals; stopping");
            }
            tracing::info!("shutting down");
            token.cancel();
        });
        server.wait().await;
        Ok(())
    })
}
