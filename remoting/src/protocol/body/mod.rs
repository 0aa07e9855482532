//! Bodies of the requests and responses around routes, as JSON on the wire.
//!
//! Field names are exactly the Java ones; structs declare their fields in
//! alphabetical order so output matches fastjson's sorted keys, which keeps
//! golden comparisons and diffs readable. Every reader ignores unknown fields
//! and defaults missing ones, so 4.x and 5.x peers both fit.

mod cluster;
mod kv;
mod register;
mod route;
mod topic;

pub use cluster::*;
pub use kv::*;
pub use register::*;
pub use route::*;
pub use topic::*;
