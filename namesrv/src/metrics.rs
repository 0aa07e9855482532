//! Metrics through the `metrics` facade, exported for Prometheus.
//!
//! Nothing is recorded unless the exporter is installed (`metricsPort`), so
//! a name server without metrics pays nothing for them on the request path.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::{RequestCode, ResponseCode};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::route::RouteStats;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Requests handled, by request code and response code.
pub const REQUESTS: &str = "ferrymq_namesrv_requests_total";
/// Request handling time, by request code.
pub const REQUEST_SECONDS: &str = "ferrymq_namesrv_request_duration_seconds";
/// Broker groups known.
pub const BROKER_GROUPS: &str = "ferrymq_namesrv_broker_groups";
/// Live broker processes.
pub const LIVE_BROKERS: &str = "ferrymq_namesrv_live_brokers";
/// Topics with a route.
pub const TOPICS: &str = "ferrymq_namesrv_topics";
/// Bytes of encoded routes in the cache.
pub const ROUTE_CACHE_BYTES: &str = "ferrymq_namesrv_route_cache_bytes";
/// Brokers evicted for silence.
pub const EVICTIONS: &str = "ferrymq_namesrv_broker_evictions_total";

pub(crate) fn request_started() -> Option<Instant> {
    ENABLED.load(Ordering::Relaxed).then(Instant::now)
}

pub(crate) fn request_finished(
    code: i32,
    result: &Result<RemotingCommand, ferrymq_remoting::server::HandlerError>,
    started: Option<Instant>,
) {
    let Some(started) = started else { return };
    let code = RequestCode::from_i32(code).map_or("UNKNOWN", RequestCode::name);
    let outcome = match result {
        Ok(response) => ResponseCode::from_i32(response.code).map_or("UNKNOWN", ResponseCode::name),
        Err(_) => ResponseCode::SystemError.name(),
    };
    metrics::counter!(REQUESTS, "code" => code, "result" => outcome).increment(1);
    metrics::histogram!(REQUEST_SECONDS, "code" => code).record(started.elapsed().as_secs_f64());
}

pub(crate) fn record_stats(stats: RouteStats, cached_bytes: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        metrics::gauge!(ROUTE_CACHE_BYTES).set(cached_bytes as f64);
        metrics::gauge!(BROKER_GROUPS).set(stats.broker_groups as f64);
        metrics::gauge!(LIVE_BROKERS).set(stats.live_brokers as f64);
        metrics::gauge!(TOPICS).set(stats.topics as f64);
    }
}

pub(crate) fn record_evictions(count: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        metrics::counter!(EVICTIONS).increment(count as u64);
    }
}

/// Installs the Prometheus recorder and serves `/metrics` on `addr` until
/// `shutdown`. Only one recorder can exist per process.
pub async fn serve(addr: SocketAddr, shutdown: CancellationToken) -> std::io::Result<()> {
    let handle = PrometheusBuilder::new()
        .set_buckets(&[
            0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01,
            0.025, 0.05, 0.1, 0.25, 1.0,
        ])
        .map_err(std::io::Error::other)?
        .install_recorder()
        .map_err(std::io::Error::other)?;
    ENABLED.store(true, Ordering::Relaxed);
    let listener = TcpListener::bind(addr).await?;
    info!(addr = %listener.local_addr()?, "serving Prometheus metrics on /metrics");
    let mut upkeep = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            // Histogram samples pile up between scrapes unless drained.
            _ = upkeep.tick() => handle.run_upkeep(),
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let handle = handle.clone();
                    tokio::spawn(async move {
                        if let Err(error) = answer(stream, &handle).await {
                            debug!(%peer, %error, "metrics request failed");
                        }
                    });
                }
                Err(error) => warn!(%error, "metrics accept failed"),
            },
        }
    }
}

/// Answers one HTTP/1.x request: the metrics for `GET /metrics`, 404 otherwise.
async fn answer(mut stream: TcpStream, handle: &PrometheusHandle) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 512];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "slow request"))??;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buf[..read]);
    }
    let request_line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let (status, content_type, body) = if request_line.starts_with(b"GET /metrics") {
        ("200 OK", "text/plain; version=0.0.4", handle.render())
    } else {
        ("404 Not Found", "text/plain", "try /metrics\n".to_owned())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
