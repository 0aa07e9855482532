//! The requests a broker serves today: topic administration, its own
//! configuration and runtime information, and client heartbeats.
//!
//! Message sending and pulling are not implemented yet; those requests get
//! REQUEST_CODE_NOT_SUPPORTED with a remark that says so, rather than a
//! silent failure.

mod clients;
mod settings;
mod topics;

use std::future::{Future, ready};
use std::sync::Arc;
use std::time::Instant;

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::guard::{Access, RequestGuard};
use ferrymq_remoting::protocol::{HeaderError, RequestCode, ResponseCode};
use ferrymq_remoting::server::{ConnectionInfo, HandlerError, Processor};
use parking_lot::RwLock;

use crate::clients::ClientRegistry;
use crate::config::EffectiveConfig;
use crate::registrar::Registrar;
use crate::topics::TopicStore;

type Handled = Result<RemotingCommand, HandlerError>;

/// The broker's request processor and the state it serves.
#[derive(Debug)]
pub struct BrokerProcessor {
    config: Arc<RwLock<EffectiveConfig>>,
    /// Moves on with every configuration change, for GET_BROKER_CONFIG.
    config_version: RwLock<ferrymq_remoting::protocol::body::DataVersion>,
    store: Arc<TopicStore>,
    registrar: Arc<Registrar>,
    clients: ClientRegistry,
    guard: RequestGuard,
    started: Instant,
    started_millis: i64,
}

impl BrokerProcessor {
    /// A processor over the broker's state.
    pub fn new(
        config: Arc<RwLock<EffectiveConfig>>,
        store: Arc<TopicStore>,
        registrar: Arc<Registrar>,
    ) -> Self {
        BrokerProcessor {
            config,
            config_version: RwLock::new(Default::default()),
            store,
            registrar,
            clients: ClientRegistry::default(),
            guard: RequestGuard::open(),
            started: Instant::now(),
            started_millis: ferrymq_remoting::protocol::body::now_millis(),
        }
    }

    /// Checks requests with `guard` (access control, rate limits) first.
    pub fn with_guard(mut self, guard: RequestGuard) -> Self {
        self.guard = guard;
        self
    }

    /// The client registry.
    pub fn clients(&self) -> &ClientRegistry {
        &self.clients
    }

    /// Handles one request.
    pub fn handle(&self, connection: &ConnectionInfo, request: &RemotingCommand) -> Handled {
        let Some(code) = RequestCode::from_i32(request.code) else {
            return Ok(RemotingCommand::not_supported(request.code));
        };
        let access = match code {
            RequestCode::UpdateAndCreateTopic
            | RequestCode::DeleteTopicInBroker
            | RequestCode::UpdateBrokerConfig => Access::Admin,
            _ => Access::Read,
        };
        if let Some(refusal) = self.guard.check(connection, request, access) {
            return Ok(refusal);
        }
        match code {
            RequestCode::UpdateAndCreateTopic => self.create_topic(connection, request),
            RequestCode::DeleteTopicInBroker => self.delete_topic(connection, request),
            RequestCode::GetAllTopicConfig => self.all_topic_config(),
            RequestCode::GetTopicConfig => self.topic_config(request),
            RequestCode::GetBrokerConfig => self.broker_config(),
            RequestCode::UpdateBrokerConfig => self.update_broker_config(connection, request),
            RequestCode::GetBrokerRuntimeInfo => self.runtime_info(),
            RequestCode::HeartBeat => self.heartbeat(connection, request),
            RequestCode::UnregisterClient => self.unregister_client(request),
            RequestCode::GetConsumerListByGroup => self.consumer_list(request),
            RequestCode::SendMessage
            | RequestCode::SendMessageV2
            | RequestCode::SendBatchMessage
            | RequestCode::SendReplyMessage
            | RequestCode::SendReplyMessageV2
            | RequestCode::ConsumerSendMsgBack
            | RequestCode::EndTransaction
            | RequestCode::PullMessage
            | RequestCode::LitePullMessage
            | RequestCode::PopMessage
            | RequestCode::AckMessage
            | RequestCode::BatchAckMessage
            | RequestCode::PeekMessage
            | RequestCode::ChangeMessageInvisibletime
            | RequestCode::QueryMessage
            | RequestCode::ViewMessageById
            | RequestCode::QueryConsumerOffset
            | RequestCode::UpdateConsumerOffset
            | RequestCode::QueryBrokerOffset
            | RequestCode::SearchOffsetByTimestamp
            | RequestCode::GetMaxOffset
            | RequestCode::GetMinOffset
            | RequestCode::GetEarliestMsgStoretime
            | RequestCode::LockBatchMq
            | RequestCode::UnlockBatchMq => Ok(RemotingCommand::response_with_remark(
                ResponseCode::RequestCodeNotSupported,
                format!(
                    "{} is not supported yet: this ferrymq broker serves routing and topic administration; message storage comes in a later release",
                    code.name()
                ),
            )),
            _ => Ok(RemotingCommand::not_supported(request.code)),
        }
    }
}

impl Processor for BrokerProcessor {
    fn process(
        &self,
        connection: &ConnectionInfo,
        request: RemotingCommand,
    ) -> impl Future<Output = Handled> + Send {
        ready(self.handle(connection, &request))
    }

    fn connection_closed(&self, connection: &ConnectionInfo) {
        self.guard.connection_closed(connection.id);
        self.clients.connection_closed(connection.id);
    }
}

fn header_error(error: HeaderError) -> HandlerError {
    Box::new(error)
}

fn error_response(code: ResponseCode, remark: impl Into<String>) -> Handled {
    Ok(RemotingCommand::response_with_remark(code, remark))
}
