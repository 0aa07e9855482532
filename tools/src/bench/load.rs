//! The route-lookup load: pipelined GET_ROUTEINFO_BY_TOPIC over many
//! connections.
//!
//! Each connection is one task that keeps `pipeline` requests in flight:
//! every read may bring several responses, each answered by a new request,
//! and all of them leave in one write. Buffers are reused, so the load
//! costs the tool little next to the server.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::{RequestCode, frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::stats::Latencies;

/// What one run of the load measured.
#[derive(Debug, Default)]
pub(crate) struct LoadResult {
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    pub(crate) latencies: Latencies,
    pub(crate) elapsed: Duration,
}

/// Settings of the load.
#[derive(Debug, Clone)]
pub(crate) struct LoadSpec {
    pub(crate) addr: String,
    pub(crate) topic: String,
    pub(crate) connections: usize,
    pub(crate) pipeline: usize,
    pub(crate) duration: Duration,
    /// The request's MQVersion: 409 gets standard JSON, below 401 the legacy form.
    pub(crate) request_version: i32,
}

/// Runs the load and merges what every connection saw.
pub(crate) async fn run(spec: &LoadSpec) -> Result<LoadResult, String> {
    let deadline = Instant::now() + spec.duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..spec.connections {
        let spec = spec.clone();
        tasks.push(tokio::spawn(
            async move { connection(&spec, deadline).await },
        ));
    }
    let mut total = LoadResult::default();
    for task in tasks {
        let result = task.await.map_err(|error| error.to_string())??;
        total.requests += result.requests;
        total.errors += result.errors;
        total.latencies.merge(result.latencies);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

async fn connection(spec: &LoadSpec, deadline: Instant) -> Result<LoadResult, String> {
    let mut stream = TcpStream::connect(&spec.addr)
        .await
        .map_err(|error| format!("{}: {error}", spec.addr))?;
    stream
        .set_nodelay(true)
        .map_err(|error| error.to_string())?;
    let mut request =
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", &spec.topic);
    request.version = spec.request_version;
    let mut result = LoadResult {
        latencies: Latencies::with_capacity(1 << 16),
        ..Default::default()
    };
    let mut sent_at: HashMap<i32, Instant> = HashMap::with_capacity(spec.pipeline * 2);
    let mut next_opaque = 0i32;
    let mut out = BytesMut::with_capacity(8 * 1024);
    let mut input = BytesMut::with_capacity(64 * 1024);
    let mut send = |out: &mut BytesMut, sent_at: &mut HashMap<i32, Instant>, now: Instant| {
        request.opaque = next_opaque;
        next_opaque = next_opaque.wrapping_add(1);
        sent_at.insert(request.opaque, now);
        frame::encode(&request, out).expect("a route request fits a frame");
    };
    let now = Instant::now();
    for _ in 0..spec.pipeline {
        send(&mut out, &mut sent_at, now);
    }
    stream
        .write_all(&out)
        .await
        .map_err(|error| error.to_string())?;
    out.clear();
    while !sent_at.is_empty() {
        let read = stream
            .read_buf(&mut input)
            .await
            .map_err(|error| error.to_string())?;
        if read == 0 {
            return Err(format!("{} closed the connection", spec.addr));
        }
        let now = Instant::now();
        let more = now < deadline;
        while frame::starts_with_complete_frame(&input) {
            let len = u32::from_be_bytes(input[..4].try_into().expect("4 bytes")) as usize;
            input.advance(4);
            let payload = input.split_to(len).freeze();
            let response = frame::decode(payload).map_err(|error| error.to_string())?;
            if let Some(sent) = sent_at.remove(&response.opaque) {
                result.latencies.record(now - sent);
            }
            result.requests += 1;
            if response.code != 0 {
                result.errors += 1;
            }
            if more {
                send(&mut out, &mut sent_at, now);
            }
        }
        if !out.is_empty() {
            stream
                .write_all(&out)
                .await
                .map_err(|error| error.to_string())?;
            out.clear();
        }
    }
    Ok(result)
}
