//! KV configuration and the name server's own settings, by request.

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::persist;
use ferrymq_remoting::protocol::ResponseCode;
use ferrymq_remoting::protocol::body::KvTable;
use ferrymq_remoting::protocol::header::{
    GetKvConfigResponseHeader, GetKvListByNamespaceRequestHeader, KvConfigKeyRequestHeader,
    PutKvConfigRequestHeader,
};
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::properties;
use tracing::{info, warn};

use super::{Handled, NamesrvProcessor, error_response, header_error};
use crate::kv::ORDER_TOPIC_CONFIG;

impl NamesrvProcessor {
    pub(super) fn put_kv_config(&self, request: &RemotingCommand) -> Handled {
        let header: PutKvConfigRequestHeader = request.header().map_err(header_error)?;
        info!(namespace = %header.namespace, key = %header.key, value = %header.value, "KV config set");
        let saved = self.kv.put(&header.namespace, &header.key, &header.value);
        self.kv_changed(&header.namespace);
        saved?;
        Ok(RemotingCommand::success())
    }

    pub(super) fn get_kv_config(&self, request: &RemotingCommand) -> Handled {
        let header: KvConfigKeyRequestHeader = request.header().map_err(header_error)?;
        match self.kv.get(&header.namespace, &header.key) {
            Some(value) => Ok(RemotingCommand::success()
                .with_header(&GetKvConfigResponseHeader { value: Some(value) })),
            None => error_response(
                ResponseCode::QueryNotFound,
                format!(
                    "No config item, Namespace: {} Key: {}",
                    header.namespace, header.key
                ),
            ),
        }
    }

    pub(super) fn delete_kv_config(&self, request: &RemotingCommand) -> Handled {
        let header: KvConfigKeyRequestHeader = request.header().map_err(header_error)?;
        info!(namespace = %header.namespace, key = %header.key, "KV config deleted");
        let saved = self.kv.delete(&header.namespace, &header.key);
        self.kv_changed(&header.namespace);
        saved?;
        Ok(RemotingCommand::success())
    }

    pub(super) fn get_kv_list(&self, request: &RemotingCommand) -> Handled {
        let header: GetKvListByNamespaceRequestHeader = request.header().map_err(header_error)?;
        match self.kv.list(&header.namespace) {
            Some(table) => Ok(RemotingCommand::success()
                .with_body(json::to_vec(&KvTable { table }, KeyStyle::Standard))),
            None => error_response(
                ResponseCode::QueryNotFound,
                format!("No config item, Namespace: {}", header.namespace),
            ),
        }
    }

    /// Routes show ordered-topic configuration, so they go stale with it.
    fn kv_changed(&self, namespace: &str) {
        if namespace == ORDER_TOPIC_CONFIG {
            self.routes.invalidate_routes();
        }
    }

    pub(super) fn update_config(&self, request: &RemotingCommand) -> Handled {
        if request.body.is_empty() {
            return Ok(RemotingCommand::success());
        }
        let Ok(text) = std::str::from_utf8(&request.body) else {
            return error_response(ResponseCode::SystemError, "string2Properties error");
        };
        let Ok(pairs) = properties::parse(text) else {
            return error_response(ResponseCode::SystemError, "string2Properties error");
        };
        let mut config = self.config.write();
        if let Some(key) = config.blacklisted(pairs.iter().map(|(key, _)| key.as_str())) {
            warn!(%key, "config update refused: key is blacklisted");
            return error_response(
                ResponseCode::NoPermission,
                "Can not update config in black list.",
            );
        }
        if let Err(error) = config.update(&pairs) {
            return error_response(ResponseCode::SystemError, error.to_string());
        }
        info!(update = %text.trim(), "settings updated");
        self.routes.apply_settings(config.route_settings());
        let path = config.values.config_store_path.clone();
        let content = config.to_properties();
        drop(config);
        if let Err(error) = persist::write_atomically(&path, content.as_bytes()) {
            warn!(path = %path.display(), %error, "updated settings could not be saved");
            return error_response(
                ResponseCode::SystemError,
                format!(
                    "settings updated but not saved to {}: {error}",
                    path.display()
                ),
            );
        }
        Ok(RemotingCommand::success())
    }

    pub(super) fn get_config(&self) -> Handled {
        let body = self.config.read().to_properties();
        Ok(RemotingCommand::success().with_body(body))
    }
}
