//! A RocketMQ remoting client: one multiplexed connection per address.
//!
//! Calls on the same address share one TCP connection. Each request gets a
//! fresh opaque, and a reader task hands every response to the call waiting
//! for that opaque, so any number of calls can be in flight at once. A
//! broken connection fails the calls in flight on it; the next call opens a
//! new one. [`Failover`] spreads calls over a list of addresses, staying on
//! one until it fails, as the Java clients do with name servers.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, timeout_at};
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::codec::{CodecError, RemotingCodec};
use crate::protocol::frame::MAX_FRAME_LEN;
use crate::protocol::{FLAG_ONEWAY, FLAG_RESPONSE, RemotingCommand, request_code_name};

/// Why a call did not get a response.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The connection could not be opened.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address.
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// No response arrived in time (the connect time counts).
    #[error("no response from {addr} within {after:?}")]
    Timeout {
        /// The address.
        addr: String,
        /// The time allowed.
        after: Duration,
    },
    /// The connection broke before the response arrived.
    #[error("connection to {addr} closed before the response arrived")]
    ConnectionClosed {
        /// The address.
        addr: String,
    },
    /// The request could not be encoded, for example because it is too large.
    #[error("cannot send to {addr}: {reason}")]
    Encode {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The address list is empty.
    #[error("no address to send to")]
    NoAddress,
}

impl ClientError {
    /// The address the error is about, if any.
    pub fn addr(&self) -> Option<&str> {
        match self {
            ClientError::Connect { addr, .. }
            | ClientError::Timeout { addr, .. }
            | ClientError::ConnectionClosed { addr }
            | ClientError::Encode { addr, .. } => Some(addr),
            ClientError::NoAddress => None,
        }
    }
}

/// Settings of a [`RemotingClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The longest a connect may take, within the call's own timeout.
    pub connect_timeout: Duration,
    /// The largest frame accepted, counting the length prefix.
    pub max_frame_len: usize,
    /// Requests queued for one connection before callers wait.
    pub queue_len: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(3),
            max_frame_len: MAX_FRAME_LEN,
            queue_len: 1024,
        }
    }
}

type Reply = Result<RemotingCommand, ClientError>;

/// One open connection and the calls waiting on it.
#[derive(Debug)]
struct Connection {
    addr: String,
    outgoing: mpsc::Sender<RemotingCommand>,
    pending: Mutex<HashMap<i32, oneshot::Sender<Reply>>>,
    closed: CancellationToken,
}

impl Connection {
    fn complete(&self, opaque: i32, reply: Reply) {
        if let Some(waiter) = self.pending.lock().remove(&opaque) {
            let _ = waiter.send(reply);
        }
    }

    /// Marks the connection closed and fails every call still waiting.
    fn shut(&self) {
        self.closed.cancel();
        let waiters: Vec<_> = self.pending.lock().drain().collect();
        for (_, waiter) in waiters {
            let _ = waiter.send(Err(ClientError::ConnectionClosed {
                addr: self.addr.clone(),
            }));
        }
    }
}

#[derive(Debug)]
struct Inner {
    config: ClientConfig,
    connections: Mutex<HashMap<String, Arc<Connection>>>,
    next_opaque: AtomicI32,
    shutdown: CancellationToken,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A client that can call any number of servers. Cheap to clone; the
/// connections close when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct RemotingClient {
    inner: Arc<Inner>,
}

impl Default for RemotingClient {
    fn default() -> Self {
        Self::new(ClientConfig::default())
    }
}

impl RemotingClient {
    /// A client with the given settings.
    pub fn new(config: ClientConfig) -> Self {
        RemotingClient {
            inner: Arc::new(Inner {
                config,
                connections: Mutex::new(HashMap::new()),
                next_opaque: AtomicI32::new(1),
                shutdown: CancellationToken::new(),
            }),
        }
    }

    /// Sends a request to `addr` and waits for its response, at most `wait`
    /// from now, connecting first if needed.
    ///
    /// A response with an error code is still `Ok`: the caller decides what
    /// a code means.
    pub async fn invoke(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        wait: Duration,
    ) -> Result<RemotingCommand, ClientError> {
        let deadline = Instant::now() + wait;
        let connection = self.connection(addr, deadline, wait).await?;
        let opaque = self.inner.next_opaque.fetch_add(1, Ordering::Relaxed);
        request.opaque = opaque;
        request.flag &= !(FLAG_RESPONSE | FLAG_ONEWAY);
        let (waiter, reply) = oneshot::channel();
        connection.pending.lock().insert(opaque, waiter);
        let sent = timeout_at(deadline, connection.outgoing.send(request)).await;
        let outcome = match sent {
            Ok(Ok(())) => match timeout_at(deadline, reply).await {
                Ok(Ok(reply)) => return reply,
                Ok(Err(_)) => ClientError::ConnectionClosed {
                    addr: addr.to_owned(),
                },
                Err(_) => ClientError::Timeout {
                    addr: addr.to_owned(),
                    after: wait,
                },
            },
            Ok(Err(_)) => ClientError::ConnectionClosed {
                addr: addr.to_owned(),
            },
            Err(_) => ClientError::Timeout {
                addr: addr.to_owned(),
                after: wait,
            },
        };
        connection.pending.lock().remove(&opaque);
        Err(outcome)
    }

    /// Sends a request that expects no response. Returns once it is queued
    /// on an open connection.
    pub async fn invoke_oneway(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        wait: Duration,
    ) -> Result<(), ClientError> {
        let deadline = Instant::now() + wait;
        let connection = self.connection(addr, deadline, wait).await?;
        request.opaque = self.inner.next_opaque.fetch_add(1, Ordering::Relaxed);
        request.flag = (request.flag & !FLAG_RESPONSE) | FLAG_ONEWAY;
        match timeout_at(deadline, connection.outgoing.send(request)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(ClientError::ConnectionClosed {
                addr: addr.to_owned(),
            }),
            Err(_) => Err(ClientError::Timeout {
                addr: addr.to_owned(),
                after: wait,
            }),
        }
    }

    /// Closes the connection to `addr`, failing the calls in flight on it.
    pub fn close(&self, addr: &str) {
        if let Some(connection) = self.inner.connections.lock().remove(addr) {
            connection.shut();
        }
    }

    /// Whether a connection to `addr` is open.
    pub fn is_connected(&self, addr: &str) -> bool {
        open_connection(&self.inner.connections.lock(), addr).is_some()
    }

    async fn connection(
        &self,
        addr: &str,
        deadline: Instant,
        wait: Duration,
    ) -> Result<Arc<Connection>, ClientError> {
        if let Some(connection) = open_connection(&self.inner.connections.lock(), addr) {
            return Ok(connection);
        }
        let connect_deadline = deadline.min(Instant::now() + self.inner.config.connect_timeout);
        let stream = match timeout_at(connect_deadline, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(source)) => {
                return Err(ClientError::Connect {
                    addr: addr.to_owned(),
                    source,
                });
            }
            Err(_) if connect_deadline < deadline => {
                return Err(ClientError::Connect {
                    addr: addr.to_owned(),
                    source: io::Error::new(io::ErrorKind::TimedOut, "connect timed out"),
                });
            }
            Err(_) => {
                return Err(ClientError::Timeout {
                    addr: addr.to_owned(),
                    after: wait,
                });
            }
        };
        let _ = stream.set_nodelay(true);
        let mut connections = self.inner.connections.lock();
        // Another call may have connected meanwhile; keep the first.
        if let Some(existing) = open_connection(&connections, addr) {
            return Ok(existing);
        }
        let connection = self.spawn_connection(addr, stream);
        connections.insert(addr.to_owned(), connection.clone());
        Ok(connection)
    }

    fn spawn_connection(&self, addr: &str, stream: TcpStream) -> Arc<Connection> {
        let (outgoing, queue) = mpsc::channel(self.inner.config.queue_len);
        let connection = Arc::new(Connection {
            addr: addr.to_owned(),
            outgoing,
            pending: Mutex::new(HashMap::new()),
            closed: self.inner.shutdown.child_token(),
        });
        let (read, write) = stream.into_split();
        let max_frame_len = self.inner.config.max_frame_len;
        let reader = FramedRead::new(read, RemotingCodec::with_max_frame_len(max_frame_len));
        let writer = FramedWrite::new(write, RemotingCodec::with_max_frame_len(max_frame_len));
        tokio::spawn(read_responses(connection.clone(), reader));
        tokio::spawn(write_requests(connection.clone(), writer, queue));
        connection
    }
}

fn open_connection(
    connections: &HashMap<String, Arc<Connection>>,
    addr: &str,
) -> Option<Arc<Connection>> {
    connections
        .get(addr)
        .filter(|connection| !connection.closed.is_cancelled())
        .cloned()
}

async fn read_responses(
    connection: Arc<Connection>,
    mut reader: FramedRead<OwnedReadHalf, RemotingCodec>,
) {
    loop {
        let next = tokio::select! {
            _ = connection.closed.cancelled() => break,
            next = reader.next() => next,
        };
        match next {
            Some(Ok(command)) if command.is_response() => {
                connection.complete(command.opaque, Ok(command));
            }
            Some(Ok(request)) => {
                // Servers may push requests to clients (transaction checks,
                // consumer changes); this client serves none of them.
                debug!(addr = %connection.addr, code = %request_code_name(request.code), "ignoring a request pushed by the server");
                if !request.is_oneway() {
                    let reply = RemotingCommand::not_supported(request.code).answering(&request);
                    let _ = connection.outgoing.try_send(reply);
                }
            }
            Some(Err(error)) => {
                warn!(addr = %connection.addr, cause = %error, "closing connection after a bad frame");
                break;
            }
            None => break,
        }
    }
    connection.shut();
}

async fn write_requests(
    connection: Arc<Connection>,
    mut writer: FramedWrite<OwnedWriteHalf, RemotingCodec>,
    mut queue: mpsc::Receiver<RemotingCommand>,
) {
    loop {
        let next = tokio::select! {
            _ = connection.closed.cancelled() => break,
            next = queue.recv() => next,
        };
        let Some(command) = next else { break };
        if let Err(error) = feed(&connection, &mut writer, command).await {
            debug!(addr = %connection.addr, cause = %error, "write failed");
            break;
        }
        // Send whatever else is queued in the same write.
        while let Ok(command) = queue.try_recv() {
            if feed(&connection, &mut writer, command).await.is_err() {
                connection.shut();
                return;
            }
        }
        if writer.flush().await.is_err() {
            break;
        }
    }
    connection.shut();
}

/// Buffers one command; an unencodable one fails only its own call.
async fn feed(
    connection: &Connection,
    writer: &mut FramedWrite<OwnedWriteHalf, RemotingCodec>,
    command: RemotingCommand,
) -> Result<(), io::Error> {
    let opaque = command.opaque;
    match writer.feed(command).await {
        Ok(()) => Ok(()),
        Err(CodecError::Encode(error)) => {
            let reason = error.to_string();
            connection.complete(
                opaque,
                Err(ClientError::Encode {
                    addr: connection.addr.clone(),
                    reason,
                }),
            );
            Ok(())
        }
        Err(CodecError::Io(error)) => Err(error),
        Err(CodecError::Decode(error)) => Err(io::Error::other(error)),
    }
}

/// A list of addresses tried in turn: calls stay on the current address
/// until it fails to answer, then move to the next.
#[derive(Debug)]
pub struct Failover {
    addrs: Vec<String>,
    current: AtomicUsize,
}

impl Failover {
    /// A list of addresses; calls start at the first.
    pub fn new(addrs: Vec<String>) -> Self {
        Failover {
            addrs,
            current: AtomicUsize::new(0),
        }
    }

    /// Parses a RocketMQ address list: `host:port` entries separated by `;`.
    pub fn parse(list: &str) -> Self {
        Self::new(parse_addr_list(list))
    }

    /// The addresses.
    pub fn addrs(&self) -> &[String] {
        &self.addrs
    }

    /// Sends `request` to the current address, moving on to the next one on
    /// a connection failure or timeout, until each has been tried once. Each
    /// attempt may take `wait`. Returns the address that answered.
    pub async fn invoke(
        &self,
        client: &RemotingClient,
        request: RemotingCommand,
        wait: Duration,
    ) -> Result<(String, RemotingCommand), ClientError> {
        let start = self.current.load(Ordering::Relaxed);
        let mut last_error = ClientError::NoAddress;
        for step in 0..self.addrs.len() {
            let index = (start + step) % self.addrs.len();
            let addr = &self.addrs[index];
            match client.invoke(addr, request.clone(), wait).await {
                Ok(response) => {
                    self.current.store(index, Ordering::Relaxed);
                    return Ok((addr.clone(), response));
                }
                Err(error @ ClientError::Encode { .. }) => return Err(error),
                Err(error) => {
                    debug!(%addr, cause = %error, "trying the next address");
                    last_error = error;
                }
            }
        }
        Err(last_error)
    }
}

/// Splits a `;`-separated address list, dropping blanks.
pub fn parse_addr_list(list: &str) -> Vec<String> {
    list.split(';')
        .map(str::trim)
        .filter(|addr| !addr.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lists_split_on_semicolons() {
        assert_eq!(parse_addr_list(" a:1; ;b:2;"), ["a:1", "b:2"]);
        assert!(parse_addr_list("").is_empty());
    }
}
