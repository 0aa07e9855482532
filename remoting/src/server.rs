//! A RocketMQ remoting server: accepts connections and answers requests.
//!
//! Each connection runs in one task that reads a request, hands it to the
//! [`Processor`], and writes the response. Responses are buffered while
//! more pipelined requests are already waiting in the read buffer and
//! flushed together, so a client that pipelines gets batched writes.
//!
//! The server tells the processor when a connection closes, for any reason,
//! and lets the application close a connection by id: the name server uses
//! both to drop a broker the moment its connection goes away.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

use crate::codec::{CodecError, RemotingCodec};
use crate::protocol::frame::{self, MAX_FRAME_LEN};
use crate::protocol::{FLAG_RESPONSE, RemotingCommand, ResponseCode, request_code_name};

/// An error a handler returns; it becomes a SYSTEM_ERROR response whose
/// remark is the error's text.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Answers requests for a server.
pub trait Processor: Send + Sync + 'static {
    /// Handles one request and returns its response.
    ///
    /// The server fills in the opaque, the response flag and the header
    /// encoding from the request, and sends nothing for oneway requests.
    /// Requests on one connection are handled one at a time, in order.
    fn process(
        &self,
        connection: &ConnectionInfo,
        request: RemotingCommand,
    ) -> impl Future<Output = Result<RemotingCommand, HandlerError>> + Send;

    /// Called once when a connection has closed, whatever closed it.
    fn connection_closed(&self, connection: &ConnectionInfo) {
        let _ = connection;
    }
}

/// Identifies one accepted connection for the life of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

/// What a handler knows about the connection a request came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The connection's id.
    pub id: ConnectionId,
    /// The remote address.
    pub peer: SocketAddr,
}

/// Settings of a [`Server`].
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Close a connection after this long with neither a read nor a write.
    pub idle_timeout: Duration,
    /// Refuse connections beyond this many open at once.
    pub max_connections: usize,
    /// How long shutdown waits for connections to finish their request.
    pub shutdown_grace: Duration,
    /// The largest frame accepted, counting the length prefix.
    pub max_frame_len: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            idle_timeout: Duration::from_secs(120),
            max_connections: 4096,
            shutdown_grace: Duration::from_secs(5),
            max_frame_len: MAX_FRAME_LEN,
        }
    }
}

/// The open connections of a server, shared with the application so it can
/// close one (the name server closes the connection of an evicted broker).
#[derive(Debug, Clone, Default)]
pub struct Connections {
    open: Arc<Mutex<HashMap<ConnectionId, CancellationToken>>>,
}

impl Connections {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Closes a connection. Returns whether it was open.
    pub fn close(&self, id: ConnectionId) -> bool {
        match self.open.lock().get(&id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Whether a connection is open.
    pub fn is_open(&self, id: ConnectionId) -> bool {
        self.open.lock().contains_key(&id)
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.open.lock().len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&self, id: ConnectionId, token: CancellationToken) {
        self.open.lock().insert(id, token);
    }

    fn remove(&self, id: ConnectionId) {
        self.open.lock().remove(&id);
    }
}

/// A remoting server for one processor.
#[derive(Debug)]
pub struct Server<P> {
    processor: Arc<P>,
    config: ServerConfig,
    connections: Connections,
}

impl<P: Processor> Server<P> {
    /// A server with the default settings.
    pub fn new(processor: Arc<P>) -> Self {
        Server {
            processor,
            config: ServerConfig::default(),
            connections: Connections::new(),
        }
    }

    /// Replaces the settings.
    pub fn with_config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Uses a registry the application already holds.
    pub fn with_connections(mut self, connections: Connections) -> Self {
        self.connections = connections;
        self
    }

    /// The registry of open connections.
    pub fn connections(&self) -> Connections {
        self.connections.clone()
    }

    /// Accepts connections on `listener` until `shutdown` is cancelled, then
    /// lets open connections finish their current request and close, waiting
    /// at most the shutdown grace period.
    pub async fn serve(self, listener: TcpListener, shutdown: CancellationToken) -> io::Result<()> {
        let config = Arc::new(self.config);
        let permits = Arc::new(Semaphore::new(config.max_connections));
        let tracker = TaskTracker::new();
        let next_id = AtomicU64::new(1);
        let mut backoff = Duration::from_millis(5);
        loop {
            let (stream, peer) = tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => {
                        backoff = Duration::from_millis(5);
                        accepted
                    }
                    Err(error) => {
                        // Out of file descriptors and the like: wait, then retry.
                        warn!(cause = %error, "accept failed; retrying in {backoff:?}");
                        sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                        continue;
                    }
                },
            };
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                warn!(%peer, limit = config.max_connections, "connection refused: too many connections");
                drop(stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let info = ConnectionInfo {
                id: ConnectionId(next_id.fetch_add(1, Ordering::Relaxed)),
                peer,
            };
            let close = shutdown.child_token();
            self.connections.insert(info.id, close.clone());
            let processor = self.processor.clone();
            let connections = self.connections.clone();
            let config = config.clone();
            tracker.spawn(async move {
                let reason = serve_connection(stream, &info, &*processor, &close, &config).await;
                debug!(conn = %info.id, peer = %info.peer, %reason, "connection closed");
                connections.remove(info.id);
                processor.connection_closed(&info);
                drop(permit);
            });
        }
        drop(listener);
        tracker.close();
        if timeout(config.shutdown_grace, tracker.wait())
            .await
            .is_err()
        {
            warn!(
                open = self.connections.len(),
                "shutdown grace period over with connections open"
            );
        }
        info!("server stopped");
        Ok(())
    }
}

/// Why a connection ended.
#[derive(Debug)]
enum CloseReason {
    PeerClosed,
    Idle,
    ClosedByServer,
    WriteStalled,
    Broken(CodecError),
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CloseReason::PeerClosed => f.write_str("closed by peer"),
            CloseReason::Idle => f.write_str("idle"),
            CloseReason::ClosedByServer => f.write_str("closed by server"),
            CloseReason::WriteStalled => f.write_str("peer stopped reading"),
            CloseReason::Broken(error) => write!(f, "{error}"),
        }
    }
}

async fn serve_connection<P: Processor>(
    stream: TcpStream,
    info: &ConnectionInfo,
    processor: &P,
    close: &CancellationToken,
    config: &ServerConfig,
) -> CloseReason {
    let codec = RemotingCodec::with_max_frame_len(config.max_frame_len);
    let mut framed = Framed::new(stream, codec);
    let idle = config.idle_timeout;
    let mut last_activity = Instant::now();
    // One timer for the connection, pushed back only when it fires early,
    // rather than re-armed on every request.
    let idle_timer = sleep_until(last_activity + idle);
    tokio::pin!(idle_timer);
    loop {
        let next = tokio::select! {
            biased;
            _ = close.cancelled() => return CloseReason::ClosedByServer,
            next = framed.next() => next,
            _ = &mut idle_timer => {
                let deadline = last_activity + idle;
                if Instant::now() >= deadline {
                    return CloseReason::Idle;
                }
                idle_timer.as_mut().reset(deadline);
                continue;
            }
        };
        let request = match next {
            None => return CloseReason::PeerClosed,
            Some(Err(error)) => {
                warn!(conn = %info.id, peer = %info.peer, cause = %error, "closing connection after a bad frame");
                return CloseReason::Broken(error);
            }
            Some(Ok(request)) => request,
        };
        last_activity = Instant::now();
        if request.is_response() {
            debug!(conn = %info.id, opaque = request.opaque, "ignoring a response sent to the server");
            continue;
        }
        let oneway = request.is_oneway();
        let code = request.code;
        let opaque = request.opaque;
        let serialize_type = request.serialize_type;
        let mut response = match processor.process(info, request).await {
            Ok(response) => response,
            Err(error) => {
                warn!(conn = %info.id, code = %request_code_name(code), cause = %error, "request failed");
                RemotingCommand::response_with_remark(ResponseCode::SystemError, error.to_string())
            }
        };
        if oneway {
            continue;
        }
        response.opaque = opaque;
        response.flag |= FLAG_RESPONSE;
        response.serialize_type = serialize_type;
        let response = fit_in_frame(response, config.max_frame_len);
        let write = async {
            framed.feed(response).await?;
            // Hold the flush while another request is already buffered, so
            // pipelined responses leave together.
            if !frame::starts_with_complete_frame(framed.read_buffer()) {
                framed.flush().await?;
            }
            Ok::<_, CodecError>(())
        };
        tokio::pin!(write);
        // A peer that stops reading blocks the write; the connection's own
        // timer ends it after the idle time, with no timer per write.
        loop {
            tokio::select! {
                biased;
                written = &mut write => match written {
                    Ok(()) => break,
                    Err(error) => return CloseReason::Broken(error),
                },
                _ = &mut idle_timer => {
                    let deadline = last_activity + idle;
                    if Instant::now() >= deadline {
                        return CloseReason::WriteStalled;
                    }
                    idle_timer.as_mut().reset(deadline);
                }
            }
        }
    }
}

/// Replaces a response too large for a frame with an error the client can read.
fn fit_in_frame(response: RemotingCommand, max_frame_len: usize) -> RemotingCommand {
    // Header sizes are small; the body decides.
    if response.body.len() + 64 * 1024 <= max_frame_len {
        return response;
    }
    let size = response.body.len();
    RemotingCommand::response_with_remark(
        ResponseCode::SystemError,
        format!("response body of {size} bytes exceeds the frame limit"),
    )
    .answering(&response)
}
