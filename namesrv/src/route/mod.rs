//! The route tables: which brokers exist, which topics they serve, and
//! which of them are alive.
//!
//! All tables live in one [`RouteState`] behind one `parking_lot::RwLock`.
//! Every method of [`RouteTable`] is synchronous and takes the lock for the
//! length of the call only, so no guard can be held across an `.await`.
//! Lookups take the read lock; registrations, unregistrations and
//! administrative changes take the write lock.
//!
//! Two things keep the hot paths cheap:
//! - Route lookups answer from an encoded response cached per topic (see
//!   [`cache`]), rebuilt only after the topic's route changes.
//! - A registration whose body is byte-for-byte the one the broker sent last
//!   time, while nothing else changed the topic table, skips parsing and the
//!   per-topic work: it can only refresh liveness (see
//!   [`RouteTable::register_unchanged`]).

mod cache;
mod query;
mod register;
mod state;
mod unregister;

#[cfg(test)]
mod tests;

use std::time::Duration;

use ferrymq_remoting::server::ConnectionId;
pub use query::{OrderConfLookup, PermChange, UnitListKind};
pub use register::{BodyFingerprint, BrokerRegistration, RegisterError, RegisterResult};
pub(crate) use state::RouteState;
pub use unregister::{Eviction, UnregisterRequest};

use parking_lot::RwLock;

/// Brokers are forgotten after this long without a registration or
/// heartbeat, unless they asked for another timeout.
pub const DEFAULT_BROKER_TIMEOUT: Duration = Duration::from_secs(120);

/// Topics starting with this are brokers' own membership-sync topics, never
/// rewritten for acting masters.
pub const SYNC_BROKER_MEMBER_GROUP_PREFIX: &str = "rmq_sys_SYNC_BROKER_MEMBER_";

/// Name-server settings that change what routes contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteSettings {
    /// Show the smallest slave of a master-less read-only group as id 0.
    pub support_acting_master: bool,
    /// Full registrations remove the broker's topics absent from the body.
    pub delete_topic_with_broker_registration: bool,
    /// Include `orderTopicConf` from the KV config in routes.
    pub order_message_enable: bool,
}

/// Counts for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteStats {
    /// Broker groups known.
    pub broker_groups: usize,
    /// Broker processes alive.
    pub live_brokers: usize,
    /// Topics with at least one queue.
    pub topics: usize,
    /// Clusters.
    pub clusters: usize,
}

/// The route tables, shared by the request processor and the scanner.
#[derive(Debug, Default)]
pub struct RouteTable {
    state: RwLock<RouteState>,
}

impl RouteTable {
    /// Empty tables with the given settings and the default route cache
    /// budget (64 MiB).
    pub fn new(settings: RouteSettings) -> Self {
        Self::with_cache_budget(settings, state::DEFAULT_CACHE_BYTES)
    }

    /// Empty tables whose cached route bodies take at most `cache_bytes`.
    pub fn with_cache_budget(settings: RouteSettings, cache_bytes: usize) -> Self {
        RouteTable {
            state: RwLock::new(RouteState::new(settings, cache_bytes)),
        }
    }

    /// Changes the settings. Cached routes and registration short cuts are
    /// dropped when they change, since both depend on them.
    pub fn apply_settings(&self, settings: RouteSettings) {
        self.state.write().apply_settings(settings);
    }

    /// The current settings.
    pub fn settings(&self) -> RouteSettings {
        self.state.read().settings
    }

    /// Drops every cached route, for changes outside the tables that routes
    /// show (the order-topic KV namespace).
    pub fn invalidate_routes(&self) {
        self.state.write().bump_epoch();
    }

    /// Bytes the cached route bodies take now.
    pub fn cached_bytes(&self) -> usize {
        self.state.read().cache_budget.used()
    }

    /// Counts for metrics.
    pub fn stats(&self) -> RouteStats {
        self.state.read().stats()
    }

    /// The connection each live broker last registered on.
    pub fn broker_connections(&self) -> Vec<ConnectionId> {
        self.state.read().broker_connections()
    }
}
