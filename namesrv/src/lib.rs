//! A RocketMQ-compatible name server.
//!
//! Brokers register their topics here; producers, consumers and admin tools
//! ask here which brokers serve a topic. See `docs/architecture.md` for how
//! the route table, its lock, the liveness scanner and the route cache fit
//! together.
//!
//! [`NameServer::start`] runs one in the background of a tokio runtime; the
//! `ferrymq-namesrv` binary is a thin wrapper around it.

#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod kv;
pub mod metrics;
pub mod processor;
pub mod route;
mod scanner;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ferrymq_remoting::acl::{AccessControl, AclError};
use ferrymq_remoting::guard::RequestGuard;
use ferrymq_remoting::server::{Connections, Server, ServerConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::config::EffectiveConfig;
use crate::kv::{KvError, KvStore};
use crate::processor::NamesrvProcessor;
use crate::route::RouteTable;

/// Why the name server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The KV configuration file could not be loaded.
    #[error(transparent)]
    Kv(#[from] KvError),
    /// Access control is on but its accounts could not be loaded.
    #[error(transparent)]
    Acl(#[from] AclError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A running name server.
#[derive(Debug)]
pub struct NameServer {
    processor: Arc<NamesrvProcessor>,
    local_addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl NameServer {
    /// Binds to the configured address and starts serving in the background.
    pub async fn bind(config: EffectiveConfig) -> Result<Self, StartError> {
        let addr = format!(
            "{}:{}",
            config.values.bind_address, config.values.listen_port
        );
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        Self::start(config, listener).await
    }

    /// Starts serving on `listener` in the background.
    pub async fn start(config: EffectiveConfig, listener: TcpListener) -> Result<Self, StartError> {
        let kv = KvStore::load(&config.values.kv_config_path)?;
        let acl = if config.values.acl_enable {
            Some(AccessControl::load(&config.values.acl_file)?)
        } else {
            None
        };
        let guard = RequestGuard::new(
            acl,
            config.values.acl_protect_reads,
            config.values.admin_requests_per_second,
        );
        let local_addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: "listener".into(),
            source,
        })?;
        let shutdown = CancellationToken::new();
        let connections = Connections::new();
        let routes = Arc::new(RouteTable::with_cache_budget(
            config.route_settings(),
            config.values.route_cache_max_bytes,
        ));
        let server_config = ServerConfig {
            idle_timeout: Duration::from_secs(
                config.values.server_channel_max_idle_time_seconds.max(1),
            ),
            max_connections: config.values.server_max_connections,
            shutdown_grace: Duration::from_secs(config.values.shutdown_wait_time_seconds),
            ..ServerConfig::default()
        };
        let metrics_port = config.values.metrics_port;
        let metrics_addr = format!("{}:{}", config.values.bind_address, metrics_port);
        let processor = Arc::new(
            NamesrvProcessor::new(routes, kv, config, connections.clone()).with_guard(guard),
        );
        let server = Server::new(processor.clone())
            .with_config(server_config)
            .with_connections(connections);

        if metrics_port != 0 {
            match metrics_addr.parse() {
                Ok(addr) => {
                    let token = shutdown.clone();
                    tokio::spawn(async move {
                        if let Err(error) = metrics::serve(addr, token).await {
                            error!(%error, "metrics exporter stopped");
                        }
                    });
                }
                Err(error) => error!(addr = %metrics_addr, %error, "metrics exporter not started"),
            }
        }
        tokio::spawn(scanner::run(processor.clone(), shutdown.clone()));
        let token = shutdown.clone();
        let task = tokio::spawn(async move {
            if let Err(error) = server.serve(listener, token).await {
                error!(%error, "name server stopped");
            }
        });
        info!(addr = %local_addr, "name server listening");
        Ok(NameServer {
            processor,
            local_addr,
            shutdown,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The route table, for tests and the standalone mode's log.
    pub fn routes(&self) -> &Arc<RouteTable> {
        self.processor.routes()
    }

    /// The request processor.
    pub fn processor(&self) -> &Arc<NamesrvProcessor> {
        &self.processor
    }

    /// A token that stops the server when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
        info!("name server stopped");
    }

    /// Waits until the server stops (after its shutdown token is cancelled).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}
