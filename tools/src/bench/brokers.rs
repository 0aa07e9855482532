//! Simulated brokers: each holds its own connection, as real brokers do
//! (a name server forgets a broker whose connection closes), and sends the
//! REGISTER_BROKER a Java broker sends.

use std::time::{Duration, Instant};

use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::body::{
    DataVersion, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper, TopicConfigTable,
    body_crc32,
};
use ferrymq_remoting::protocol::header::RegisterBrokerRequestHeader;
use ferrymq_remoting::protocol::{RequestCode, version};

/// How the brokers' topics are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TopicNames {
    /// Every broker serves the same topics.
    Shared,
    /// Every broker serves topics of its own.
    Distinct,
}

/// One simulated broker.
#[derive(Debug)]
pub(crate) struct FakeBroker {
    client: RemotingClient,
    index: usize,
    topics: Vec<String>,
    counter: i64,
    request: RemotingCommand,
    /// How long the name server may wait before evicting it, if set.
    timeout_millis: Option<i64>,
}

impl FakeBroker {
    /// A broker numbered `index` serving `topics` topics, plus `extra`.
    pub(crate) fn new(
        index: usize,
        topics: usize,
        names: TopicNames,
        extra: &[&str],
        timeout_millis: Option<i64>,
    ) -> Self {
        let mut list: Vec<String> = extra.iter().map(|t| t.to_string()).collect();
        list.extend((0..topics).map(|n| match names {
            TopicNames::Shared => format!("BenchTopic-{n}"),
            TopicNames::Distinct => format!("Bench-B{index}-T{n}"),
        }));
        // A single-topic table is an incremental registration; never send one.
        if list.len() < 2 {
            list.push("BenchFiller".into());
        }
        let mut broker = FakeBroker {
            client: RemotingClient::default(),
            index,
            topics: list,
            counter: 1,
            request: RemotingCommand::default(),
            timeout_millis,
        };
        broker.request = broker.build();
        broker
    }

    /// The broker's address as registered.
    pub(crate) fn addr(&self) -> String {
        format!(
            "10.{}.{}.{}:10911",
            self.index / 62_500,
            self.index / 250 % 250,
            self.index % 250 + 1
        )
    }

    fn build(&self) -> RemotingCommand {
        let body = RegisterBrokerBody {
            filter_server_list: vec![],
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                data_version: DataVersion {
                    counter: self.counter,
                    state_version: 0,
                    timestamp: 1_700_000_000_000 + self.counter,
                },
                topic_config_table: TopicConfigTable(
                    self.topics
                        .iter()
                        .map(|t| TopicConfig::new(t.clone(), 8))
                        .collect(),
                ),
                ..Default::default()
            },
        }
        .encode_json();
        let body = with_5x_fields(&body);
        let addr = self.addr();
        let header = RegisterBrokerRequestHeader {
            broker_name: format!("bench-broker-{:04}", self.index),
            ha_server_addr: addr.replace(":10911", ":10912"),
            broker_addr: addr,
            cluster_name: "BenchCluster".into(),
            broker_id: 0,
            heartbeat_timeout_millis: self.timeout_millis,
            body_crc32: body_crc32(&body),
            ..Default::default()
        };
        let mut request =
            RemotingCommand::request_with_header(RequestCode::RegisterBroker, &header)
                .with_body(body);
        // As a 4.9.8 broker sends it.
        request.version = version::V4_9_8;
        request
    }

    /// The next registration carries a new data version (a topic changed).
    pub(crate) fn bump_version(&mut self) {
        self.counter += 1;
        self.request = self.build();
    }

    /// Sends the registration and waits for the answer; returns how long it took.
    pub(crate) async fn register(&self, namesrv: &str) -> Result<Duration, String> {
        let started = Instant::now();
        let response = self
            .client
            .invoke(namesrv, self.request.clone(), Duration::from_secs(30))
            .await
            .map_err(|error| error.to_string())?;
        if !response.is_success() {
            return Err(format!(
                "registration refused: {} {:?}",
                response.code, response.remark
            ));
        }
        Ok(started.elapsed())
    }
}

/// Adds the fields a 5.x broker's JSON body always carries, empty: topic
/// attributes and the static-topic maps. Name servers that read only 4.x
/// fields ignore them; some stricter implementations refuse a body without
/// them, and the benchmark should measure every server with a body it takes.
fn with_5x_fields(body: &[u8]) -> Vec<u8> {
    let mut value: serde_json::Value =
        serde_json::from_slice(body).expect("a body we just encoded is JSON");
    if let Some(wrapper) = value
        .get_mut("topicConfigSerializeWrapper")
        .and_then(serde_json::Value::as_object_mut)
    {
        let version = wrapper.get("dataVersion").cloned().unwrap_or_default();
        wrapper.insert("mappingDataVersion".into(), version);
        wrapper.insert("topicQueueMappingInfoMap".into(), serde_json::json!({}));
        wrapper.insert("topicQueueMappingDetailMap".into(), serde_json::json!({}));
        let topics = wrapper
            .get_mut("topicConfigTable")
            .and_then(serde_json::Value::as_object_mut);
        for topic in topics.into_iter().flat_map(|table| table.values_mut()) {
            if let Some(topic) = topic.as_object_mut() {
                topic
                    .entry("attributes")
                    .or_insert_with(|| serde_json::json!({}));
            }
        }
    }
    serde_json::to_vec(&value).expect("JSON values always serialize")
}
