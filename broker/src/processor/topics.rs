//! Topic administration: create or update, delete, read.

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::ResponseCode;
use ferrymq_remoting::protocol::body::TopicConfig;
use ferrymq_remoting::protocol::header::{CreateTopicRequestHeader, TopicRequestHeader};
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::server::ConnectionInfo;
use tracing::info;

use super::{BrokerProcessor, Handled, error_response, header_error};
use crate::validate;

impl BrokerProcessor {
    pub(super) fn create_topic(
        &self,
        connection: &ConnectionInfo,
        request: &RemotingCommand,
    ) -> Handled {
        let header: CreateTopicRequestHeader = request.header().map_err(header_error)?;
        let config = match self.topic_from_request(&header) {
            Ok(config) => config,
            Err(remark) => return error_response(ResponseCode::InvalidParameter, remark),
        };
        let Some(version) = self.store.upsert(config.clone())? else {
            return Ok(RemotingCommand::success());
        };
        info!(
            topic = %config.topic_name, read = config.read_queue_nums, write = config.write_queue_nums,
            perm = config.perm, caller = %connection.peer, %version, "topic created or updated"
        );
        self.registrar.topic_changed(config);
        Ok(RemotingCommand::success())
    }

    fn topic_from_request(&self, header: &CreateTopicRequestHeader) -> Result<TopicConfig, String> {
        let topic = &header.topic;
        validate::topic_name(topic)?;
        if self
            .config
            .read()
            .values
            .validate_system_topic_when_update_topic
            && self.store.is_system_topic(topic)
        {
            return Err(format!("The topic[{topic}] is conflict with system topic."));
        }
        validate::queue_nums("readQueueNums", header.read_queue_nums)?;
        validate::queue_nums("writeQueueNums", header.write_queue_nums)?;
        validate::perm(header.perm)?;
        Ok(TopicConfig {
            attributes: validate::attributes(header.attributes.as_deref())?,
            order: header.order,
            perm: header.perm,
            read_queue_nums: header.read_queue_nums,
            topic_filter_type: validate::filter_type(&header.topic_filter_type)?,
            topic_name: topic.clone(),
            topic_sys_flag: header.topic_sys_flag.unwrap_or(0),
            write_queue_nums: header.write_queue_nums,
        })
    }

    pub(super) fn delete_topic(
        &self,
        connection: &ConnectionInfo,
        request: &RemotingCommand,
    ) -> Handled {
        let header: TopicRequestHeader = request.header().map_err(header_error)?;
        let topic = &header.topic;
        if topic.trim().is_empty() {
            return error_response(
                ResponseCode::InvalidParameter,
                "The specified topic is blank.",
            );
        }
        if self
            .config
            .read()
            .values
            .validate_system_topic_when_update_topic
            && self.store.is_system_topic(topic)
        {
            return error_response(
                ResponseCode::InvalidParameter,
                format!("The topic[{topic}] is conflict with system topic."),
            );
        }
        // As in Java, the name servers keep the topic until an admin tool
        // deletes it there too (DELETE_TOPIC_IN_NAMESRV).
        if self.store.delete(topic)? {
            info!(%topic, caller = %connection.peer, "topic deleted");
        }
        Ok(RemotingCommand::success())
    }

    pub(super) fn all_topic_config(&self) -> Handled {
        let snapshot = self.store.snapshot();
        Ok(RemotingCommand::success().with_body(json::to_vec(&snapshot, KeyStyle::Standard)))
    }

    pub(super) fn topic_config(&self, request: &RemotingCommand) -> Handled {
        let header: TopicRequestHeader = request.header().map_err(header_error)?;
        match self.store.get(&header.topic) {
            Some(config) => {
                Ok(RemotingCommand::success().with_body(json::to_vec(&config, KeyStyle::Standard)))
            }
            None => error_response(
                ResponseCode::TopicNotExist,
                format!("No topic in this broker. topic: {}", header.topic),
            ),
        }
    }
}
