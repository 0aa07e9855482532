//! Answers every request a RocketMQ name server serves.
//!
//! Handlers are synchronous: each takes the route table's lock for a moment
//! and returns, so the connection task never awaits while holding it.

mod broker;
mod config;
mod routes;
mod zone;

use std::future::{Future, ready};
use std::sync::Arc;
use std::time::Instant;

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::guard::{Access, RequestGuard};
use ferrymq_remoting::protocol::{HeaderError, RequestCode, ResponseCode};
use ferrymq_remoting::server::{ConnectionInfo, Connections, HandlerError, Processor};
use parking_lot::RwLock;
use tracing::info;

use crate::config::EffectiveConfig;
use crate::kv::KvStore;
use crate::metrics;
use crate::route::RouteTable;

/// The name server's request processor and the state it serves.
#[derive(Debug)]
pub struct NamesrvProcessor {
    routes: Arc<RouteTable>,
    kv: KvStore,
    config: RwLock<EffectiveConfig>,
    connections: Connections,
    guard: RequestGuard,
    started: Instant,
}

/// A handler's outcome: a response, or an error the server turns into
/// SYSTEM_ERROR with the error's text.
type Handled = Result<RemotingCommand, HandlerError>;

impl NamesrvProcessor {
    /// A processor over the given state. `connections` is the server's
    /// registry, used to close the connections of evicted brokers.
    pub fn new(
        routes: Arc<RouteTable>,
        kv: KvStore,
        config: EffectiveConfig,
        connections: Connections,
    ) -> Self {
        NamesrvProcessor {
            routes,
            kv,
            config: RwLock::new(config),
            connections,
            guard: RequestGuard::open(),
            started: now(),
        }
    }

    /// Checks requests with `guard` (access control, rate limits) first.
    pub fn with_guard(mut self, guard: RequestGuard) -> Self {
        self.guard = guard;
        self
    }

    /// The route table.
    pub fn routes(&self) -> &Arc<RouteTable> {
        &self.routes
    }

    /// The connection registry.
    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// A copy of the settings in force.
    pub fn config(&self) -> EffectiveConfig {
        self.config.read().clone()
    }

    /// Handles one request.
    pub fn handle(&self, connection: &ConnectionInfo, request: &RemotingCommand) -> Handled {
        let Some(code) = RequestCode::from_i32(request.code) else {
            return Ok(RemotingCommand::not_supported(request.code));
        };
        if let Some(refusal) = self.guard.check(connection, request, access_of(code)) {
            return Ok(refusal);
        }
        match code {
            RequestCode::PutKvConfig => self.put_kv_config(request),
            RequestCode::GetKvConfig => self.get_kv_config(request),
            RequestCode::DeleteKvConfig => self.delete_kv_config(request),
            RequestCode::GetKvlistByNamespace => self.get_kv_list(request),
            RequestCode::RegisterBroker => self.register_broker(connection, request),
            RequestCode::UnregisterBroker => self.unregister_broker(request),
            RequestCode::BrokerHeartbeat => self.broker_heartbeat(request),
            RequestCode::QueryDataVersion => self.query_data_version(request),
            RequestCode::GetRouteinfoByTopic => self.route_by_topic(request),
            RequestCode::GetBrokerClusterInfo => self.cluster_info(),
            RequestCode::GetBrokerMemberGroup => self.broker_member_group(request),
            RequestCode::WipeWritePermOfBroker => self.wipe_write_perm(request),
            RequestCode::AddWritePermOfBroker => self.add_write_perm(request),
            RequestCode::GetAllTopicListFromNameserver => self.all_topics(),
            RequestCode::GetTopicsByCluster => self.topics_of_cluster(request),
            RequestCode::GetSystemTopicListFromNs => self.system_topics(),
            RequestCode::GetUnitTopicList
            | RequestCode::GetHasUnitSubTopicList
            | RequestCode::GetHasUnitSubUnunitTopicList => self.unit_topics(code),
            RequestCode::DeleteTopicInNamesrv => self.delete_topic(request),
            RequestCode::RegisterTopicInNamesrv => self.register_topic(request),
            RequestCode::UpdateNamesrvConfig => self.update_config(request),
            RequestCode::GetNamesrvConfig => self.get_config(),
            _ => Ok(RemotingCommand::not_supported(request.code)),
        }
    }

    /// Forgets the brokers that registered on a closed connection.
    pub fn on_connection_closed(&self, connection: &ConnectionInfo) {
        self.guard.connection_closed(connection.id);
        for broker in self.routes.connection_closed(connection.id) {
            info!(
                cluster = %broker.cluster, broker = %broker.name, id = broker.id, addr = %broker.addr,
                peer = %connection.peer, "broker unregistered: its connection closed"
            );
        }
    }
}

impl Processor for NamesrvProcessor {
    fn process(
        &self,
        connection: &ConnectionInfo,
        request: RemotingCommand,
    ) -> impl Future<Output = Handled> + Send {
        let started = metrics::request_started();
        let result = self.handle(connection, &request);
        metrics::request_finished(request.code, &result, started);
        ready(result)
    }

    fn connection_closed(&self, connection: &ConnectionInfo) {
        self.on_connection_closed(connection);
    }
}

/// What a request does, for access control and rate limits.
fn access_of(code: RequestCode) -> Access {
    match code {
        RequestCode::RegisterBroker
        | RequestCode::UnregisterBroker
        | RequestCode::BrokerHeartbeat
        | RequestCode::QueryDataVersion => Access::Broker,
        RequestCode::PutKvConfig
        | RequestCode::DeleteKvConfig
        | RequestCode::WipeWritePermOfBroker
        | RequestCode::AddWritePermOfBroker
        | RequestCode::DeleteTopicInNamesrv
        | RequestCode::RegisterTopicInNamesrv
        | RequestCode::UpdateNamesrvConfig => Access::Admin,
        _ => Access::Read,
    }
}

/// The current time on tokio's clock, so tests can pause and advance it.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// A required header field error, worded as the Java server words it.
fn header_error(error: HeaderError) -> HandlerError {
    Box::new(error)
}

fn error_response(code: ResponseCode, remark: impl Into<String>) -> Handled {
    Ok(RemotingCommand::response_with_remark(code, remark))
}
