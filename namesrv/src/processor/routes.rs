//! Requests about routes and topics, from clients and admin tools.

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::body::{
    GetBrokerMemberGroupResponseBody, TopicList, TopicRouteData, validate_queue_nums,
    validate_topic_name,
};
use ferrymq_remoting::protocol::header::{
    AddWritePermResponseHeader, BrokerNameRequestHeader, DeleteTopicFromNamesrvRequestHeader,
    GetBrokerMemberGroupRequestHeader, GetRouteInfoRequestHeader, GetTopicsByClusterRequestHeader,
    TopicRequestHeader, WipeWritePermResponseHeader,
};
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::{RequestCode, ResponseCode, version};
use tracing::info;

use super::{Handled, NamesrvProcessor, error_response, header_error, now, zone};
use crate::kv::ORDER_TOPIC_CONFIG;
use crate::route::{OrderConfLookup, PermChange, UnitListKind};

/// The remark for a topic without a route, as the Java name server words it.
pub(crate) fn topic_not_exist_remark(topic: &str) -> String {
    format!(
        "No topic route info in name server for the topic: {topic}\nSee http://rocketmq.apache.org/docs/faq/ for further details."
    )
}

impl NamesrvProcessor {
    pub(super) fn route_by_topic(&self, request: &RemotingCommand) -> Handled {
        let header: GetRouteInfoRequestHeader = request.header().map_err(header_error)?;
        let (wait_for_service, order_enabled) = {
            let config = self.config.read();
            let waiting = config.values.need_wait_for_service
                && now().duration_since(self.started).as_secs()
                    < config.values.wait_seconds_for_service;
            (waiting, config.values.order_message_enable)
        };
        if wait_for_service {
            return error_response(ResponseCode::SystemError, "name server not ready");
        }
        // Clients before 4.9.4 get fastjson's bare numeric keys, as from Java.
        let style = if request.version >= version::V4_9_4
            || header.accept_standard_json_only == Some(true)
        {
            KeyStyle::Standard
        } else {
            KeyStyle::Legacy
        };
        let order_lookup = |topic: &str| self.kv.get(ORDER_TOPIC_CONFIG, topic);
        let order_conf: Option<OrderConfLookup<'_>> = order_enabled.then_some(&order_lookup);
        let zone = header
            .zone_name
            .as_deref()
            .map(str::trim)
            .filter(|zone| header.zone_mode == Some(true) && !zone.is_empty());
        let body = match zone {
            // Zone filtering rewrites the route per request, so it bypasses the cache.
            Some(zone) => self
                .routes
                .pickup_route(&header.topic, order_conf)
                .map(|route| zone::filter(route, zone))
                .map(|route| json::to_vec(&route, KeyStyle::Legacy).into()),
            None => self.routes.route_body(&header.topic, style, order_conf),
        };
        match body {
            Some(body) => Ok(RemotingCommand::success().with_body(body)),
            None => error_response(
                ResponseCode::TopicNotExist,
                topic_not_exist_remark(&header.topic),
            ),
        }
    }

    pub(super) fn cluster_info(&self) -> Handled {
        // The Java server writes cluster info with bare numeric keys for every client.
        let info = self.routes.cluster_info();
        Ok(RemotingCommand::success().with_body(json::to_vec(&info, KeyStyle::Legacy)))
    }

    pub(super) fn broker_member_group(&self, request: &RemotingCommand) -> Handled {
        let header: GetBrokerMemberGroupRequestHeader = request.header().map_err(header_error)?;
        let group = self
            .routes
            .broker_member_group(&header.cluster_name, &header.broker_name);
        let body = GetBrokerMemberGroupResponseBody {
            broker_member_group: group,
        };
        Ok(RemotingCommand::success().with_body(json::to_vec(&body, KeyStyle::Legacy)))
    }

    pub(super) fn wipe_write_perm(&self, request: &RemotingCommand) -> Handled {
        let header: BrokerNameRequestHeader = request.header().map_err(header_error)?;
        let count = self
            .routes
            .change_write_perm(&header.broker_name, PermChange::WipeWrite);
        info!(broker = %header.broker_name, topics = count, "write permission wiped");
        Ok(
            RemotingCommand::success().with_header(&WipeWritePermResponseHeader {
                wipe_topic_count: count as i32,
            }),
        )
    }

    pub(super) fn add_write_perm(&self, request: &RemotingCommand) -> Handled {
        let header: BrokerNameRequestHeader = request.header().map_err(header_error)?;
        let count = self
            .routes
            .change_write_perm(&header.broker_name, PermChange::AddWrite);
        info!(broker = %header.broker_name, topics = count, "write permission added");
        Ok(
            RemotingCommand::success().with_header(&AddWritePermResponseHeader {
                add_topic_count: count as i32,
            }),
        )
    }

    pub(super) fn all_topics(&self) -> Handled {
        if !self.config.read().values.enable_all_topic_list {
            return error_response(ResponseCode::SystemError, "disable");
        }
        topic_list(&self.routes.all_topics())
    }

    pub(super) fn topics_of_cluster(&self, request: &RemotingCommand) -> Handled {
        if !self.config.read().values.enable_topic_list {
            return error_response(ResponseCode::SystemError, "disable");
        }
        let header: GetTopicsByClusterRequestHeader = request.header().map_err(header_error)?;
        topic_list(&self.routes.topics_of_cluster(&header.cluster))
    }

    pub(super) fn system_topics(&self) -> Handled {
        topic_list(&self.routes.system_topics())
    }

    pub(super) fn unit_topics(&self, code: RequestCode) -> Handled {
        if !self.config.read().values.enable_topic_list {
            return error_response(ResponseCode::SystemError, "disable");
        }
        let kind = match code {
            RequestCode::GetUnitTopicList => UnitListKind::Unit,
            RequestCode::GetHasUnitSubTopicList => UnitListKind::HasUnitSub,
            _ => UnitListKind::HasUnitSubNotUnit,
        };
        topic_list(&self.routes.unit_topics(kind))
    }

    pub(super) fn delete_topic(&self, request: &RemotingCommand) -> Handled {
        let header: DeleteTopicFromNamesrvRequestHeader = request.header().map_err(header_error)?;
        info!(topic = %header.topic, cluster = ?header.cluster_name, "topic deleted from the name server");
        self.routes
            .delete_topic(&header.topic, header.cluster_name.as_deref());
        Ok(RemotingCommand::success())
    }

    pub(super) fn register_topic(&self, request: &RemotingCommand) -> Handled {
        let header: TopicRequestHeader = request.header().map_err(header_error)?;
        if !request.body.is_empty() {
            let route: TopicRouteData = json::from_slice(&request.body).map_err(|error| {
                format!("REGISTER_TOPIC_IN_NAMESRV needs a TopicRouteData body: {error}")
            })?;
            let invalid = validate_topic_name(&header.topic).err().or_else(|| {
                route.queue_datas.iter().find_map(|queue| {
                    validate_queue_nums("readQueueNums", queue.read_queue_nums)
                        .and_then(|()| {
                            validate_queue_nums("writeQueueNums", queue.write_queue_nums)
                        })
                        .err()
                })
            });
            if let Some(error) = invalid {
                return error_response(ResponseCode::SystemError, error);
            }
            self.routes
                .register_topic(&header.topic, &route.queue_datas);
        }
        Ok(RemotingCommand::success())
    }
}

fn topic_list(list: &TopicList) -> Handled {
    Ok(RemotingCommand::success().with_body(json::to_vec(list, KeyStyle::Standard)))
}
