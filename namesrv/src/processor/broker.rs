//! Requests from brokers: registration, unregistration, heartbeats.

use std::time::Duration;

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::ResponseCode;
use ferrymq_remoting::protocol::body::{DataVersion, KvTable, RegisterBrokerBody, masked_crc32};
use ferrymq_remoting::protocol::header::{
    BrokerHeartbeatRequestHeader, BrokerIdentityRequestHeader, QueryDataVersionResponseHeader,
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader,
};
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::server::ConnectionInfo;
use tracing::{debug, info, warn};

use super::{Handled, NamesrvProcessor, error_response, header_error, now};
use crate::kv::ORDER_TOPIC_CONFIG;
use crate::route::{BodyFingerprint, BrokerRegistration, UnregisterRequest};

impl NamesrvProcessor {
    pub(super) fn register_broker(
        &self,
        connection: &ConnectionInfo,
        request: &RemotingCommand,
    ) -> Handled {
        let header: RegisterBrokerRequestHeader = request.header().map_err(header_error)?;
        let crc32 = crc32fast::hash(&request.body);
        if header.body_crc32 != 0 && masked_crc32(crc32) != header.body_crc32 {
            warn!(broker = %header.broker_name, addr = %header.broker_addr, "registration refused: body CRC does not match");
            return error_response(ResponseCode::SystemError, "crc32 not match");
        }
        let (return_order_conf, max_inflated) = {
            let config = self.config.read();
            (
                config.values.return_order_topic_config_to_broker,
                config.values.register_body_max_inflated_bytes,
            )
        };
        let registration = BrokerRegistration {
            cluster: header.cluster_name,
            addr: header.broker_addr,
            name: header.broker_name,
            id: header.broker_id,
            ha_server_addr: header.ha_server_addr,
            zone: header.zone_name,
            timeout: header
                .heartbeat_timeout_millis
                .filter(|&millis| millis > 0)
                .map(|millis| Duration::from_millis(millis as u64)),
            enable_acting_master: header.enable_acting_master,
            connection: Some(connection.id),
        };
        let fingerprint =
            BodyFingerprint::with_crc32(crc32, &request.body, header.compressed, request.version);
        let now = now();
        let result = match self
            .routes
            .register_unchanged(&registration, fingerprint, now)
        {
            Some(result) => result,
            None => {
                // Parsed outside the lock: a large body must not stall lookups.
                let body = RegisterBrokerBody::decode(
                    &request.body,
                    request.version,
                    header.compressed,
                    max_inflated,
                )?;
                let invalid = body
                    .topic_config_serialize_wrapper
                    .topic_config_table
                    .0
                    .iter()
                    .find_map(|topic| topic.validate().err());
                if let Some(error) = invalid {
                    warn!(broker = %registration.name, addr = %registration.addr, %error, "registration refused");
                    return error_response(
                        ResponseCode::SystemError,
                        format!("registration refused: {error}"),
                    );
                }
                let topics = body
                    .topic_config_serialize_wrapper
                    .topic_config_table
                    .0
                    .len();
                let version = body.topic_config_serialize_wrapper.data_version;
                match self
                    .routes
                    .register_broker(&registration, &body, Some(fingerprint), now)
                {
                    Ok(result) => {
                        info!(
                            cluster = %registration.cluster, broker = %registration.name, id = registration.id,
                            addr = %registration.addr, topics, %version, "broker registered"
                        );
                        result
                    }
                    Err(error) => {
                        warn!(broker = %registration.name, id = registration.id, %error, "registration refused");
                        return error_response(ResponseCode::SystemError, error.to_string());
                    }
                }
            }
        };
        debug!(broker = %registration.name, addr = %registration.addr, "registration applied");
        let mut response = RemotingCommand::success().with_header(&RegisterBrokerResponseHeader {
            ha_server_addr: result.ha_server_addr,
            master_addr: result.master_addr,
        });
        if let Some(table) = self
            .kv
            .list(ORDER_TOPIC_CONFIG)
            .filter(|_| return_order_conf)
        {
            response = response.with_body(json::to_vec(&KvTable { table }, KeyStyle::Standard));
        }
        Ok(response)
    }

    pub(super) fn unregister_broker(&self, request: &RemotingCommand) -> Handled {
        let header: BrokerIdentityRequestHeader = request.header().map_err(header_error)?;
        info!(
            cluster = %header.cluster_name, broker = %header.broker_name, id = header.broker_id,
            addr = %header.broker_addr, "broker unregistered on request"
        );
        self.routes.unregister_brokers(&[UnregisterRequest {
            cluster: header.cluster_name,
            addr: header.broker_addr,
            name: header.broker_name,
            id: header.broker_id,
        }]);
        Ok(RemotingCommand::success())
    }

    pub(super) fn broker_heartbeat(&self, request: &RemotingCommand) -> Handled {
        let header: BrokerHeartbeatRequestHeader = request.header().map_err(header_error)?;
        self.routes
            .heartbeat(&header.cluster_name, &header.broker_addr, now());
        Ok(RemotingCommand::success())
    }

    pub(super) fn query_data_version(&self, request: &RemotingCommand) -> Handled {
        let header: BrokerIdentityRequestHeader = request.header().map_err(header_error)?;
        let version: DataVersion = json::from_slice(&request.body)
            .map_err(|error| format!("QUERY_DATA_VERSION needs a DataVersion body: {error}"))?;
        let (changed, stored) = self.routes.query_data_version(
            &header.cluster_name,
            &header.broker_addr,
            &version,
            now(),
        );
        let mut response =
            RemotingCommand::success().with_header(&QueryDataVersionResponseHeader { changed });
        if let Some(stored) = stored {
            response = response.with_body(json::to_vec(&stored, KeyStyle::Standard));
        }
        Ok(response)
    }
}
