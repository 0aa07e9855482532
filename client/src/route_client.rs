//! The route client: lookups, cache, background refresh, failover.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::{ClientConfig as RemotingConfig, Failover, RemotingClient};
use ferrymq_remoting::protocol::body::TopicRouteData;
use ferrymq_remoting::protocol::header::GetRouteInfoRequestHeader;
use ferrymq_remoting::protocol::{RequestCode, ResponseCode, json};
use parking_lot::RwLock;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::publish::{MessageQueue, PublishInfo, subscribe_queues};
use crate::{AUTO_CREATE_TOPIC, ClientConfig, RouteError};

/// A change the background refresh noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteChange {
    /// The topic.
    pub topic: String,
    /// Its new route, or `None` if the topic no longer exists.
    pub route: Option<Arc<TopicRouteData>>,
}

/// What is cached for a topic: its route, or that it did not exist.
type Cached = Option<Arc<TopicRouteData>>;

#[derive(Debug)]
struct Inner {
    config: ClientConfig,
    remoting: RemotingClient,
    name_servers: Failover,
    cache: RwLock<HashMap<String, Cached>>,
    changes: broadcast::Sender<RouteChange>,
    shutdown: CancellationToken,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Looks up topic routes for an application. Cheap to clone; the background
/// refresh stops when the last clone is dropped.
///
/// ```no_run
/// use ferrymq_client::{ClientConfig, RouteClient};
///
/// # async fn example() -> Result<(), ferrymq_client::RouteError> {
/// let client = RouteClient::new(ClientConfig::with_namesrv_addr("10.0.0.1:9876;10.0.0.2:9876"));
/// let route = client.topic_route("OrderEvents").await?;
/// println!("{} broker groups", route.broker_datas.len());
///
/// // Be told when the background refresh sees a route change.
/// let mut changes = client.changes();
/// tokio::spawn(async move {
///     while let Ok(change) = changes.recv().await {
///         println!("{} now has {:?}", change.topic, change.route.map(|r| r.queue_datas.len()));
///     }
/// });
///
/// // Where consumers read.
/// for queue in client.subscribe_queues("OrderEvents").await? {
///     println!("{} #{}", queue.broker_name, queue.queue_id);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RouteClient {
    inner: Arc<Inner>,
}

impl RouteClient {
    /// A client with the given settings. Starts the background refresh, so
    /// it must be called within a tokio runtime.
    pub fn new(config: ClientConfig) -> Self {
        let remoting = RemotingClient::new(RemotingConfig {
            connect_timeout: config.timeout,
            ..RemotingConfig::default()
        });
        let (changes, _) = broadcast::channel(256);
        let inner = Arc::new(Inner {
            name_servers: Failover::new(config.namesrv_addrs.clone()),
            config,
            remoting,
            cache: RwLock::new(HashMap::new()),
            changes,
            shutdown: CancellationToken::new(),
        });
        tokio::spawn(refresh_loop(Arc::downgrade(&inner), inner.shutdown.clone()));
        RouteClient { inner }
    }

    /// A client for the name servers in `NAMESRV_ADDR`.
    pub fn from_env() -> Self {
        Self::new(ClientConfig::from_env())
    }

    /// The route of `topic`: from the cache if it was looked up before,
    /// otherwise from a name server, then cached and kept fresh.
    ///
    /// A topic found not to exist is remembered as such until the next
    /// refresh; [`refresh_topic`](Self::refresh_topic) asks again at once.
    pub async fn topic_route(&self, topic: &str) -> Result<Arc<TopicRouteData>, RouteError> {
        let cached = self.inner.cache.read().get(topic).cloned();
        match cached {
            Some(Some(route)) => Ok(route),
            Some(None) => Err(not_exist(topic)),
            None => {
                self.refresh_topic(topic).await?;
                let cached = self.inner.cache.read().get(topic).cloned().flatten();
                cached.ok_or_else(|| not_exist(topic))
            }
        }
    }

    /// Asks a name server for the route of `topic` now and updates the
    /// cache. Returns whether the route changed. A topic that does not
    /// exist is cached as missing and reported as [`RouteError::TopicNotExist`].
    pub async fn refresh_topic(&self, topic: &str) -> Result<bool, RouteError> {
        refresh(&self.inner, topic).await
    }

    /// Where a producer may send `topic`'s messages. For a topic that does
    /// not exist yet, TBW102's queues, limited to the configured number per
    /// broker, so the broker creates the topic with the first message.
    pub async fn publish_info(&self, topic: &str) -> Result<PublishInfo, RouteError> {
        match self.topic_route(topic).await {
            Ok(route) => Ok(PublishInfo::from_route(topic, route)),
            Err(error) if error.is_topic_not_exist() && topic != AUTO_CREATE_TOPIC => {
                let fallback = self
                    .topic_route(AUTO_CREATE_TOPIC)
                    .await
                    .map_err(|_| error)?;
                let max = self.inner.config.default_topic_queue_nums;
                Ok(PublishInfo::from_auto_create_route(topic, &fallback, max))
            }
            Err(error) => Err(error),
        }
    }

    /// The queues a consumer of `topic` may read, sorted.
    pub async fn subscribe_queues(&self, topic: &str) -> Result<Vec<MessageQueue>, RouteError> {
        let route = self.topic_route(topic).await?;
        Ok(subscribe_queues(topic, &route))
    }

    /// Route changes found by the background refresh, from now on.
    pub fn changes(&self) -> broadcast::Receiver<RouteChange> {
        self.inner.changes.subscribe()
    }

    /// The topics in the cache.
    pub fn cached_topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.inner.cache.read().keys().cloned().collect();
        topics.sort();
        topics
    }

    /// Refreshes every cached topic now, as the background task does.
    pub async fn refresh_all(&self) {
        refresh_all(&self.inner).await;
    }

    /// The name server that answered last, and that will be asked first.
    pub fn name_servers(&self) -> &[String] {
        self.inner.name_servers.addrs()
    }
}

fn not_exist(topic: &str) -> RouteError {
    RouteError::TopicNotExist {
        topic: topic.to_owned(),
        remark: "not found at the last lookup".into(),
    }
}

/// Asks the name servers for a route, with failover.
async fn fetch(inner: &Inner, topic: &str) -> Result<Option<TopicRouteData>, RouteError> {
    if inner.name_servers.addrs().is_empty() {
        return Err(RouteError::NoNameServer);
    }
    let header = GetRouteInfoRequestHeader {
        topic: topic.to_owned(),
        ..Default::default()
    };
    let request = RemotingCommand::request_with_header(RequestCode::GetRouteinfoByTopic, &header);
    let (addr, response) = inner
        .name_servers
        .invoke(&inner.remoting, request, inner.config.timeout)
        .await?;
    if response.code == ResponseCode::TopicNotExist.as_i32() {
        return Ok(None);
    }
    if !response.is_success() {
        return Err(RouteError::refused(addr, response.code, response.remark));
    }
    let mut route: TopicRouteData =
        json::from_slice(&response.body).map_err(|error| RouteError::Malformed {
            addr: addr.clone(),
            reason: error.to_string(),
        })?;
    // Sorted, so that equal routes compare equal whatever order they came in.
    route.sort();
    Ok(Some(route))
}

async fn refresh(inner: &Inner, topic: &str) -> Result<bool, RouteError> {
    let fresh = fetch(inner, topic).await?.map(Arc::new);
    let exists = fresh.is_some();
    let previous = inner.cache.write().insert(topic.to_owned(), fresh.clone());
    let changed = match &previous {
        Some(previous) => previous.as_deref() != fresh.as_deref(),
        None => true,
    };
    if changed && previous.is_some() {
        info!(%topic, exists, "route changed");
        let _ = inner.changes.send(RouteChange {
            topic: topic.to_owned(),
            route: fresh,
        });
    }
    if exists {
        Ok(changed)
    } else {
        Err(not_exist(topic))
    }
}

async fn refresh_all(inner: &Inner) {
    let topics: Vec<String> = inner.cache.read().keys().cloned().collect();
    for topic in topics {
        match refresh(inner, &topic).await {
            Ok(_) => {}
            Err(RouteError::TopicNotExist { .. }) => debug!(%topic, "topic does not exist"),
            // Keep the cached route: a client keeps working while the name
            // servers are unreachable.
            Err(error) => warn!(%topic, %error, "route refresh failed; keeping the cached route"),
        }
    }
}

/// Refreshes the cache every interval. Holds only a weak reference, so it
/// ends with the last client.
async fn refresh_loop(inner: Weak<Inner>, shutdown: CancellationToken) {
    loop {
        let Some(interval) = inner.upgrade().map(|inner| inner.config.refresh_interval) else {
            return;
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        let Some(inner) = inner.upgrade() else { return };
        refresh_all(&inner).await;
    }
}
