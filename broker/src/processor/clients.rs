//! Client heartbeats and group membership.

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::header::UnregisterClientRequestHeader;
use ferrymq_remoting::protocol::json;
use ferrymq_remoting::server::ConnectionInfo;
use serde::Serialize;

use super::{BrokerProcessor, Handled, header_error};
use crate::clients::HeartbeatData;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConsumerList {
    consumer_id_list: Vec<String>,
}

impl BrokerProcessor {
    pub(super) fn heartbeat(
        &self,
        connection: &ConnectionInfo,
        request: &RemotingCommand,
    ) -> Handled {
        let heartbeat: HeartbeatData = json::from_slice(&request.body)
            .map_err(|error| format!("HEART_BEAT needs a HeartbeatData body: {error}"))?;
        let now = std::time::Instant::now();
        self.clients.expire(now);
        self.clients.heartbeat(&heartbeat, connection.id, now);
        Ok(RemotingCommand::success())
    }

    pub(super) fn unregister_client(&self, request: &RemotingCommand) -> Handled {
        let header: UnregisterClientRequestHeader = request.header().map_err(header_error)?;
        self.clients.unregister(
            &header.client_id,
            header.producer_group.as_deref(),
            header.consumer_group.as_deref(),
        );
        Ok(RemotingCommand::success())
    }

    pub(super) fn consumer_list(&self, request: &RemotingCommand) -> Handled {
        let group = request
            .ext("consumerGroup")
            .ok_or("the custom field <consumerGroup> is null")?;
        let body = ConsumerList {
            consumer_id_list: self.clients.consumers_of(group),
        };
        Ok(RemotingCommand::success().with_body(serde_json::to_vec(&body)?))
    }
}
