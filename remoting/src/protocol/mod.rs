//! The RocketMQ remoting protocol as data: commands, codes, headers, bodies
//! and the frame format, with no I/O and no async runtime.
//!
//! Everything here can be used from a synchronous program or a fuzzer. The
//! networking parts of the crate ([`codec`](crate::codec),
//! [`server`](crate::server), [`client`](crate::client)) build on it.

pub mod body;
mod code;
mod command;
pub mod frame;
pub mod header;
pub mod json;
pub mod properties;
pub mod version;

pub use code::{RequestCode, ResponseCode, request_code_name, response_code_name};
pub use command::{
    ExtFields, FLAG_ONEWAY, FLAG_RESPONSE, LanguageCode, RemotingCommand, SerializeType,
};
pub use header::{CommandHeader, HeaderError};
pub use json::KeyStyle;
