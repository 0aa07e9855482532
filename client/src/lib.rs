//! RocketMQ route lookups for applications.
//!
//! [`RouteClient`] asks the name servers which brokers serve a topic, caches
//! the answer, refreshes every cached topic in the background (every 30 s by
//! default, as the Java client does), reports changes, and moves on to the
//! next name server when one fails or times out. From a route it builds what
//! producers and consumers need:
//!
//! - [`PublishInfo`]: the writable queues of brokers that have a master,
//!   sorted by broker name, or the queues of `orderTopicConf` for ordered
//!   topics; for a topic that does not exist yet, the queues of the
//!   auto-create topic `TBW102`, as Java and Go producers do.
//! - [`QueueSelector`]: picks the next queue in turn, avoiding the broker
//!   that just failed, optionally with latency-based fault avoidance.
//! - [`RouteClient::subscribe_queues`]: the readable queues, for consumers.
//!
//! ```no_run
//! use ferrymq_client::{ClientConfig, QueueSelector, RouteClient};
//!
//! # async fn example() -> Result<(), ferrymq_client::RouteError> {
//! let client = RouteClient::new(ClientConfig::with_namesrv_addr("127.0.0.1:9876"));
//! let info = client.publish_info("OrderEvents").await?;
//! let selector = QueueSelector::new();
//! if let Some(queue) = selector.select(&info, None) {
//!     println!("send to {} queue {}", queue.broker_name, queue.queue_id);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod config;
mod error;
mod fault;
mod publish;
mod route_client;
mod selector;

pub use config::ClientConfig;
pub use error::RouteError;
pub use fault::LatencyFaultTolerance;
pub use publish::{MessageQueue, PublishInfo};
pub use route_client::{RouteChange, RouteClient};
pub use selector::QueueSelector;

/// The topic producers fall back to when theirs does not exist yet.
pub const AUTO_CREATE_TOPIC: &str = "TBW102";
