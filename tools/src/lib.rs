//! ferrymq's command-line tools. The binaries are thin: `ferrymq` starts
//! daemons, `ferrymq-admin` manages routes and topics, `ferrymq-bench`
//! measures any RocketMQ name server.

#![warn(missing_docs)]

pub mod admin;
pub mod bench;
pub mod standalone;
