//! What a server checks before handling a request: the caller's signature
//! (with access control on) and the rate of requests that change state.

use std::collections::HashMap;
use std::time::Instant;

use parking_lot::Mutex;
use tracing::warn;

use crate::acl::{AccessControl, Needs};
use crate::protocol::{RemotingCommand, ResponseCode, request_code_name};
use crate::server::{ConnectionId, ConnectionInfo};

/// Whether a request reads or changes the server's state, and who sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads: open to everyone unless reads are protected.
    Read,
    /// Changes brokers make as part of their life (registration,
    /// heartbeats): they need an admin account's signature with access
    /// control on.
    Broker,
    /// Changes an operator makes (topics, permissions, KV and settings):
    /// they need an admin account's signature with access control on, and
    /// are rate limited per connection.
    Admin,
}

/// Token buckets, one per connection.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<ConnectionId, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Allows `per_second` requests a second per connection, in bursts of
    /// up to twice that; 0 means no limit.
    pub fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second);
        RateLimiter {
            per_second,
            burst: (per_second * 2.0).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `connection` if it has one.
    pub fn allow(&self, connection: ConnectionId, now: Instant) -> bool {
        if self.per_second == 0.0 {
            return true;
        }
        let mut buckets = self.buckets.lock();
        let bucket = buckets.entry(connection).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let refill = now.saturating_duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Forgets a closed connection's bucket.
    pub fn forget(&self, connection: ConnectionId) {
        self.buckets.lock().remove(&connection);
    }
}

/// The checks a processor runs on every request before handling it.
#[derive(Debug)]
pub struct RequestGuard {
    acl: Option<AccessControl>,
    protect_reads: bool,
    writes: RateLimiter,
}

impl RequestGuard {
    /// A guard with optional access control, which may also protect reads,
    /// and a per-connection limit on admin requests.
    pub fn new(acl: Option<AccessControl>, protect_reads: bool, writes_per_second: u32) -> Self {
        RequestGuard {
            acl,
            protect_reads,
            writes: RateLimiter::new(writes_per_second),
        }
    }

    /// A guard that lets everything through.
    pub fn open() -> Self {
        Self::new(None, false, 0)
    }

    /// `None` if the request may be handled, otherwise the refusal to send.
    pub fn check(
        &self,
        connection: &ConnectionInfo,
        request: &RemotingCommand,
        access: Access,
    ) -> Option<RemotingCommand> {
        if access == Access::Admin && !self.writes.allow(connection.id, Instant::now()) {
            warn!(peer = %connection.peer, code = %request_code_name(request.code), "request refused: rate limit");
            return Some(RemotingCommand::response_with_remark(
                ResponseCode::SystemBusy,
                "[RATE_LIMIT] too many admin requests on this connection; slow down",
            ));
        }
        let acl = self.acl.as_ref()?;
        let needs = match access {
            Access::Broker | Access::Admin => Needs::Admin,
            Access::Read if self.protect_reads => Needs::Account,
            Access::Read => return None,
        };
        match acl.check(request, connection.peer.ip(), needs) {
            Ok(()) => None,
            Err(remark) => {
                warn!(peer = %connection.peer, code = %request_code_name(request.code), %remark, "request refused: access control");
                Some(RemotingCommand::response_with_remark(
                    ResponseCode::NoPermission,
                    remark,
                ))
            }
        }
    }

    /// Forgets what the guard kept about a closed connection.
    pub fn connection_closed(&self, connection: ConnectionId) {
        self.writes.forget(connection);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn buckets_refill_over_time() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        let connection = ConnectionId(1);
        assert!(
            (0..4).all(|_| limiter.allow(connection, start)),
            "a burst of twice the rate"
        );
        assert!(!limiter.allow(connection, start));
        assert!(
            limiter.allow(ConnectionId(2), start),
            "other connections have their own"
        );
        assert!(limiter.allow(connection, start + Duration::from_millis(500)));
        assert!(!limiter.allow(connection, start + Duration::from_millis(500)));
        let unlimited = RateLimiter::new(0);
        assert!((0..10_000).all(|_| unlimited.allow(connection, start)));
    }

    #[test]
    fn an_open_guard_lets_everything_through() {
        let guard = RequestGuard::open();
        let connection = ConnectionInfo {
            id: ConnectionId(1),
            peer: "127.0.0.1:1".parse().unwrap(),
        };
        assert!(
            guard
                .check(&connection, &RemotingCommand::request(100), Access::Admin)
                .is_none()
        );
    }
}
