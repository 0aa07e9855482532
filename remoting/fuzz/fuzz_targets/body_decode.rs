//! Feeds arbitrary bytes to the body parsers a name server runs on input
//! from the network: registration bodies in every form, routes, cluster info.
#![no_main]

use ferrymq_remoting::protocol::body::{ClusterInfo, RegisterBrokerBody, TopicRouteData};
use ferrymq_remoting::protocol::{json, properties, version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (request_version, compressed) in
        [(0, false), (version::V4_9_8, false), (version::V4_9_8, true), (version::V5_3_3, true)]
    {
        let _ = RegisterBrokerBody::decode(data, request_version, compressed, 1 << 20);
    }
    let _ = json::from_slice::<TopicRouteData>(data);
    let _ = json::from_slice::<ClusterInfo>(data);
    let _ = json::quote_bare_keys(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = properties::parse(text);
    }
});
