//! The RocketMQ remoting protocol for ferrymq: the wire types, the frame
//! codec, a request server and a multiplexing client.
//!
//! - [`protocol`]: commands, codes, typed headers and JSON bodies, with no
//!   async runtime in them.
//! - [`codec`]: the frame codec for `tokio_util::codec::Framed`.
//! - [`server`]: accepts connections and hands each request to a
//!   [`Processor`](server::Processor).
//! - [`client`]: one multiplexed connection per address, with timeouts,
//!   oneway calls, reconnection and failover across addresses.
//! - [`persist`]: crash-safe file replacement for the daemons' state files.
//! - [`config`]: settings keyed by the Java configuration names.
//! - [`acl`], [`guard`]: RocketMQ-compatible request signing, access
//!   control and per-connection rate limits.

#![warn(missing_docs)]

pub mod acl;
pub mod client;
pub mod codec;
pub mod config;
pub mod guard;
pub mod persist;
pub mod protocol;
pub mod server;
pub mod shutdown;

pub use protocol::{RemotingCommand, RequestCode, ResponseCode};
