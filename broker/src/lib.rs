//! A RocketMQ-compatible broker: it owns its topic configuration, keeps
//! every name server informed of it, and serves the admin requests that
//! manage topics.
//!
//! [`Broker::start`] runs one in the background of a tokio runtime; the
//! `ferrymq-broker` binary is a thin wrapper around it. Message storage is
//! not implemented yet.

#![warn(missing_docs)]

pub mod cli;
pub mod clients;
pub mod config;
pub mod processor;
pub mod registrar;
pub mod topics;
pub mod validate;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ferrymq_remoting::acl::{AccessControl, AclError};
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::guard::RequestGuard;
use ferrymq_remoting::server::{Server, ServerConfig};
use parking_lot::RwLock;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::config::EffectiveConfig;
use crate::processor::BrokerProcessor;
use crate::registrar::Registrar;
use crate::topics::{TopicStore, TopicStoreError};

/// Why the broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The topic table could not be loaded.
    #[error(transparent)]
    Topics(#[from] TopicStoreError),
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

/// A running broker.
#[derive(Debug)]
pub struct Broker {
    config: Arc<RwLock<EffectiveConfig>>,
    store: Arc<TopicStore>,
    registrar: Arc<Registrar>,
    local_addr: SocketAddr,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
    registration: JoinHandle<()>,
}

impl Broker {
    /// Binds to the configured address and starts in the background.
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

    /// Starts serving on `listener` and registering with the name servers.
    ///
    /// The address registered is the listener's port on `brokerIP1`, so a
    /// listener on port 0 works.
    pub async fn start(
        mut config: EffectiveConfig,
        listener: TcpListener,
    ) -> Result<Self, StartError> {
        let local_addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: "listener".into(),
            source,
        })?;
        let configured = config.values.listen_port;
        if configured != local_addr.port() {
            config.values.listen_port = local_addr.port();
            if u32::from(config.values.ha_listen_port) == u32::from(configured) + 1 {
                config.values.ha_listen_port = local_addr.port().saturating_add(1);
            }
        }
        let store = Arc::new(TopicStore::open(&config.topics_path(), &config.values)?);
        let server_config = ServerConfig {
            idle_timeout: Duration::from_secs(
                config.values.server_channel_max_idle_time_seconds.max(1),
            ),
            max_connections: config.values.server_max_connections,
            ..ServerConfig::default()
        };
        info!(
            cluster = %config.values.broker_cluster_name, broker = %config.values.broker_name,
            id = config.values.broker_id, addr = %config.broker_addr(), topics = store.len(),
            name_servers = %config.values.namesrv_addr, "broker starting"
        );
        let config = Arc::new(RwLock::new(config));
        let registrar = Arc::new(Registrar::new(
            RemotingClient::default(),
            config.clone(),
            store.clone(),
        ));
        let guard = {
            let values = &config.read().values;
            let acl = if values.acl_enable {
                Some(AccessControl::load(&values.acl_file)?)
            } else {
                None
            };
            RequestGuard::new(
                acl,
                values.acl_protect_reads,
                values.admin_requests_per_second,
            )
        };
        let processor = Arc::new(
            BrokerProcessor::new(config.clone(), store.clone(), registrar.clone())
                .with_guard(guard),
        );
        let shutdown = CancellationToken::new();
        // The server stops only after the registrar has unregistered, so the
        // name servers never route to a broker that no longer answers.
        let server_shutdown = CancellationToken::new();
        let registration = tokio::spawn({
            let registrar = registrar.clone();
            let shutdown = shutdown.clone();
            let server_shutdown = server_shutdown.clone();
            async move {
                registrar.run(shutdown).await;
                server_shutdown.cancel();
            }
        });
        let server = tokio::spawn(async move {
            if let Err(error) = Server::new(processor)
                .with_config(server_config)
                .serve(listener, server_shutdown)
                .await
            {
                error!(%error, "broker server stopped");
            }
        });
        info!(addr = %local_addr, "broker listening");
        Ok(Broker {
            config,
            store,
            registrar,
            local_addr,
            shutdown,
            server,
            registration,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The topic table.
    pub fn topics(&self) -> &Arc<TopicStore> {
        &self.store
    }

    /// The registrar.
    pub fn registrar(&self) -> &Arc<Registrar> {
        &self.registrar
    }

    /// A copy of the settings in force.
    pub fn config(&self) -> EffectiveConfig {
        self.config.read().clone()
    }

    /// A token that shuts the broker down when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Unregisters from every name server, stops serving, and waits.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.wait().await;
    }

    /// Waits until the broker has stopped (after its shutdown token is cancelled).
    pub async fn wait(self) {
        let _ = self.registration.await;
        let _ = self.server.await;
        info!("broker stopped");
    }
}
