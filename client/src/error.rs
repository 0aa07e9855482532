//! Why a route could not be had.

use ferrymq_remoting::client::ClientError;
use ferrymq_remoting::protocol::response_code_name;

/// Why a route lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// No name server is configured.
    #[error("no name server configured (set NAMESRV_ADDR or ClientConfig::namesrv_addrs)")]
    NoNameServer,
    /// The name servers do not know the topic.
    #[error("topic {topic} does not exist: {remark}")]
    TopicNotExist {
        /// The topic.
        topic: String,
        /// The name server's remark.
        remark: String,
    },
    /// A name server refused the request.
    #[error("name server {addr} answered {code_name} ({code}): {remark}")]
    Refused {
        /// The name server.
        addr: String,
        /// The response code.
        code: i32,
        /// Its name.
        code_name: String,
        /// The remark.
        remark: String,
    },
    /// No name server answered.
    #[error("no name server answered: {0}")]
    Unreachable(#[from] ClientError),
    /// A name server's answer could not be read.
    #[error("unreadable route from {addr}: {reason}")]
    Malformed {
        /// The name server.
        addr: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client was shut down.
    #[error("the route client was shut down")]
    Closed,
}

impl RouteError {
    pub(crate) fn refused(addr: String, code: i32, remark: Option<String>) -> Self {
        RouteError::Refused {
            addr,
            code,
            code_name: response_code_name(code).into_owned(),
            remark: remark.unwrap_or_default(),
        }
    }

    /// Whether the topic does not exist (and a producer may fall back to TBW102).
    pub fn is_topic_not_exist(&self) -> bool {
        matches!(self, RouteError::TopicNotExist { .. })
    }
}
