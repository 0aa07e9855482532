//! The broker's configuration and runtime information, by request.

use std::collections::BTreeMap;

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::persist;
use ferrymq_remoting::protocol::ResponseCode;
use ferrymq_remoting::protocol::body::KvTable;
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::{properties, version};
use ferrymq_remoting::server::ConnectionInfo;
use tracing::{info, warn};

use super::{BrokerProcessor, Handled, error_response};

impl BrokerProcessor {
    pub(super) fn broker_config(&self) -> Handled {
        let body = self.config.read().to_public_properties();
        let version = json::to_vec(&*self.config_version.read(), KeyStyle::Standard);
        Ok(RemotingCommand::success()
            .with_ext(
                "version",
                String::from_utf8(version).expect("JSON is UTF-8"),
            )
            .with_body(body))
    }

    pub(super) fn update_broker_config(
        &self,
        connection: &ConnectionInfo,
        request: &RemotingCommand,
    ) -> Handled {
        if request.body.is_empty() {
            return Ok(RemotingCommand::success());
        }
        let pairs = std::str::from_utf8(&request.body)
            .ok()
            .and_then(|text| properties::parse(text).ok());
        let Some(pairs) = pairs else {
            return error_response(ResponseCode::SystemError, "string2Properties error");
        };
        let mut config = self.config.write();
        if let Some(key) = config.blacklisted(pairs.iter().map(|(key, _)| key.as_str())) {
            warn!(%key, caller = %connection.peer, "config update refused: key is blacklisted");
            return error_response(
                ResponseCode::NoPermission,
                "Can not update config in black list.",
            );
        }
        let mut updated = config.clone();
        if let Err(error) = updated.apply(pairs.iter().cloned()) {
            return error_response(ResponseCode::SystemError, error.to_string());
        }
        let updated = match updated.resolve() {
            Ok(updated) => updated,
            Err(error) => return error_response(ResponseCode::SystemError, error.to_string()),
        };
        let permission_changed =
            updated.values.broker_permission != config.values.broker_permission;
        *config = updated;
        let saved = config
            .config_file
            .clone()
            .map(|path| (path, config.to_properties()));
        drop(config);
        self.config_version.write().bump();
        info!(caller = %connection.peer, update = ?pairs, "broker settings updated");
        if permission_changed {
            // Name servers rewrite queue permissions only for a new version.
            self.store.bump_version()?;
            self.registrar.request_full_round();
        }
        if let Some((path, content)) = saved
            && let Err(error) = persist::write_atomically(&path, content.as_bytes())
        {
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

    /// GET_BROKER_RUNTIME_INFO: what `mqadmin clusterList` and `brokerStatus`
    /// read. Without a message store, traffic figures are zero.
    pub(super) fn runtime_info(&self) -> Handled {
        let uptime = self.started.elapsed().as_secs();
        let (producer_groups, consumer_groups) = self.clients.group_counts();
        let config = self.config.read();
        let zero_tps = "0.0 0.0 0.0";
        let mut table = BTreeMap::new();
        let mut put = |key: &str, value: String| {
            table.insert(key.to_owned(), value);
        };
        put("brokerVersion", version::CURRENT.to_string());
        put("brokerVersionDesc", version::name(version::CURRENT));
        put("brokerActive", "true".into());
        put("bootTimestamp", self.started_millis.to_string());
        put(
            "startAcceptSendRequestTimeStamp",
            self.started_millis.to_string(),
        );
        put(
            "runtime",
            format!(
                "[ {} days, {} hours, {} minutes, {} seconds ]",
                uptime / 86_400,
                uptime / 3_600 % 24,
                uptime / 60 % 60,
                uptime % 60
            ),
        );
        put(
            "brokerRole",
            if config.values.broker_id == 0 {
                "ASYNC_MASTER"
            } else {
                "SLAVE"
            }
            .into(),
        );
        put("topicCount", self.store.len().to_string());
        put("producerGroupCount", producer_groups.to_string());
        put("consumerGroupCount", consumer_groups.to_string());
        for key in [
            "putTps",
            "getTransferredTps",
            // What 4.9.x mqadmin reads, spelled as 4.9.x spells it.
            "getTransferedTps",
            "getFoundTps",
            "getMissTps",
            "getTotalTps",
        ] {
            put(key, zero_tps.into());
        }
        for key in [
            "sendThreadPoolQueueHeadWaitTimeMills",
            "msgPutTotalYesterdayMorning",
            "msgPutTotalTodayMorning",
            "msgPutTotalTodayNow",
            "msgGetTotalYesterdayMorning",
            "msgGetTotalTodayMorning",
            "msgGetTotalTodayNow",
            "dispatchBehindBytes",
            "pageCacheLockTimeMills",
            "timerReadBehind",
            "timerOffsetBehind",
            "timerCongestNum",
            "sendThreadPoolQueueSize",
            "pullThreadPoolQueueSize",
            "ackThreadPoolQueueSize",
            "pullThreadPoolQueueHeadWaitTimeMills",
            "ackThreadPoolQueueHeadWaitTimeMills",
            "queryThreadPoolQueueSize",
            "remainHowManyDataToFlush",
        ] {
            put(key, "0".into());
        }
        put("timerEnqueueTps", "0.0".into());
        put("timerDequeueTps", "0.0".into());
        put("commitLogDiskRatio", "0.0".into());
        // No message has been stored: there is no earliest timestamp.
        put("earliestMessageTimeStamp", String::new());
        let master = self.registrar.master();
        if let Some(master_addr) = master.master_addr {
            put("masterAddr", master_addr);
        }
        if let Some(ha) = master.ha_server_addr {
            put("haServerAddr", ha);
        }
        Ok(RemotingCommand::success()
            .with_body(json::to_vec(&KvTable { table }, KeyStyle::Standard)))
    }
}
