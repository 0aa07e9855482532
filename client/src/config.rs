//! Settings of a [`RouteClient`](crate::RouteClient).

use std::time::Duration;

use ferrymq_remoting::client::parse_addr_list;

/// Settings of a route client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Name servers, tried in order; a failed one is skipped until the
    /// others fail too.
    pub namesrv_addrs: Vec<String>,
    /// How often cached routes are refreshed (Java: pollNameServerInterval).
    pub refresh_interval: Duration,
    /// How long one name server may take to answer.
    pub timeout: Duration,
    /// Queues per broker a producer uses for a topic that does not exist yet
    /// (Java: defaultTopicQueueNums).
    pub default_topic_queue_nums: i32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            namesrv_addrs: Vec::new(),
            refresh_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(3),
            default_topic_queue_nums: 4,
        }
    }
}

impl ClientConfig {
    /// Settings for a `;`-separated name server list, such as
    /// `10.0.0.1:9876;10.0.0.2:9876`.
    pub fn with_namesrv_addr(list: &str) -> Self {
        ClientConfig {
            namesrv_addrs: parse_addr_list(list),
            ..Default::default()
        }
    }

    /// Settings from the `NAMESRV_ADDR` environment variable, as every
    /// RocketMQ client reads it.
    pub fn from_env() -> Self {
        Self::with_namesrv_addr(&std::env::var("NAMESRV_ADDR").unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lists() {
        let config = ClientConfig::with_namesrv_addr("a:1;b:2");
        assert_eq!(config.namesrv_addrs, ["a:1", "b:2"]);
        assert_eq!(config.refresh_interval, Duration::from_secs(30));
    }
}
