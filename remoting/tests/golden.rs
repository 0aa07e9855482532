//! Golden vectors: real frames captured from real RocketMQ clients, brokers
//! and a real 4.9.8 name server (tests/fixtures/captures).
//!
//! Each `<tag>.hex` holds frames as hex lines, and `<tag>.log` the same frames
//! decoded by an independent decoder: the header as JSON and the body length.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use ferrymq_remoting::protocol::body::{
    ClusterInfo, RegisterBrokerBody, TopicRouteData, body_crc32,
};
use ferrymq_remoting::protocol::header::RegisterBrokerRequestHeader;
use ferrymq_remoting::protocol::json::{self, KeyStyle};
use ferrymq_remoting::protocol::{LanguageCode, RemotingCommand, SerializeType, frame};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/captures")
}

fn unhex(text: &str) -> Vec<u8> {
    let text = text.trim();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Every frame of a `.hex` file, length prefix included.
fn hex_frames(path: &Path) -> Vec<Vec<u8>> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(unhex)
        .collect()
}

struct Logged {
    serialize_type: u8,
    header: Value,
    body_len: usize,
}

fn logged_frames(path: &Path) -> Vec<Logged> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut frames = Vec::new();
    while let Some(line) = lines.next() {
        let Some(at) = line.find(" ser=") else {
            continue;
        };
        let serialize_type = line[at + 5..at + 6].parse().unwrap();
        let header = lines
            .next()
            .unwrap()
            .trim()
            .strip_prefix("header=")
            .unwrap();
        let body = lines.next().unwrap().trim();
        let body_len = body["body(".len()..body.find(')').unwrap()]
            .parse()
            .unwrap();
        frames.push(Logged {
            serialize_type,
            header: serde_json::from_str(header).unwrap(),
            body_len,
        });
    }
    frames
}

fn decode_frame(bytes: &[u8]) -> RemotingCommand {
    let len = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
    assert_eq!(len, bytes.len() - 4, "frame length prefix");
    frame::decode(Bytes::copy_from_slice(&bytes[4..])).unwrap()
}

/// How the decoder must render a logged JSON value as an ext field string.
fn as_ext_string(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

fn check_against_log(command: &RemotingCommand, logged: &Logged, context: &str) {
    let header = &logged.header;
    assert_eq!(
        command.serialize_type.as_u8(),
        logged.serialize_type,
        "{context}: serialize type"
    );
    assert_eq!(
        i64::from(command.code),
        header["code"].as_i64().unwrap(),
        "{context}: code"
    );
    assert_eq!(
        i64::from(command.version),
        header["version"].as_i64().unwrap(),
        "{context}: version"
    );
    assert_eq!(
        i64::from(command.opaque),
        header["opaque"].as_i64().unwrap(),
        "{context}: opaque"
    );
    assert_eq!(
        i64::from(command.flag),
        header["flag"].as_i64().unwrap(),
        "{context}: flag"
    );
    let language = match &header["language"] {
        Value::String(name) => LanguageCode::from_name(name),
        Value::Number(code) => LanguageCode::from_code(code.as_u64().unwrap() as u8),
        other => panic!("{context}: language {other}"),
    };
    assert_eq!(command.language, language, "{context}: language");
    let remark = header.get("remark").and_then(as_ext_string);
    // The binary decoder reads an empty string as absent, as Java does.
    let remark =
        remark.filter(|r| !(r.is_empty() && command.serialize_type == SerializeType::RocketMq));
    assert_eq!(command.remark, remark, "{context}: remark");
    let logged_ext = header
        .get("extFields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let expected: Vec<(String, String)> = logged_ext
        .iter()
        .filter_map(|(key, value)| as_ext_string(value).map(|text| (key.clone(), text)))
        .collect();
    let mut expected = expected;
    expected.sort();
    let actual: Vec<(String, String)> = command
        .ext_fields
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(actual, expected, "{context}: extFields");
    assert_eq!(
        command.body.len(),
        logged.body_len,
        "{context}: body length"
    );
}

#[test]
fn every_captured_client_frame_decodes_to_its_logged_fields() {
    let mut checked = 0;
    let mut binary = 0;
    let mut tags: Vec<_> = fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    tags.sort();
    assert!(
        tags.len() >= 25,
        "expected the capture set, found {}",
        tags.len()
    );
    for log in tags {
        let frames = hex_frames(&log.with_extension("hex"));
        let logged = logged_frames(&log);
        let name = log.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(frames.len(), logged.len(), "{name}: frame count");
        for (i, (bytes, logged)) in frames.iter().zip(&logged).enumerate() {
            let context = format!("{name} frame {}", i + 1);
            let command = decode_frame(bytes);
            check_against_log(&command, logged, &context);
            // Re-encoding in the same serialize type reads back the same.
            let reencoded = frame::encode_to_vec(&command).unwrap();
            assert_eq!(decode_frame(&reencoded), command, "{context}: round trip");
            checked += 1;
            binary += usize::from(command.serialize_type == SerializeType::RocketMq);
        }
    }
    assert!(checked > 500, "only {checked} frames checked");
    assert!(binary >= 4, "only {binary} binary frames checked");
}

fn realns(name: &str) -> RemotingCommand {
    let text = fs::read_to_string(fixtures().join(format!("realns-{name}.hex"))).unwrap();
    decode_frame(&unhex(&text))
}

/// The body with `enableActingMaster` added after each `cluster` field, which
/// 4.9.8 lacks and 5.x clients require.
fn with_acting_master(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(at) = rest.find("\"cluster\":\"") {
        let end = at + rest[at + 11..].find('"').unwrap() + 12;
        out.push_str(&rest[..end]);
        out.push_str(",\"enableActingMaster\":false");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn real_name_server_routes_decode_and_reencode_in_their_key_style() {
    for (name, style) in [
        ("route-v63", KeyStyle::Legacy),
        ("route-v63-rocketmqser", KeyStyle::Legacy),
        ("route-v409", KeyStyle::Standard),
    ] {
        let request = realns(&format!("{name}.req"));
        let response = realns(&format!("{name}.resp"));
        assert_eq!(request.code, 105);
        assert_eq!(request.ext("topic"), Some("RealT1"));
        assert!(response.is_response() && response.is_success(), "{name}");
        assert_eq!(response.opaque, request.opaque, "{name}: opaque echoed");
        assert_eq!(
            response.serialize_type, request.serialize_type,
            "{name}: reply in request's type"
        );
        let route: TopicRouteData = json::from_slice(&response.body).unwrap();
        assert_eq!(route.broker_datas[0].master_addr(), Some("127.0.0.1:20911"));
        let body = std::str::from_utf8(&response.body).unwrap();
        assert_eq!(
            String::from_utf8(json::to_vec(&route, style)).unwrap(),
            with_acting_master(body),
            "{name}"
        );
        let reencoded = frame::encode_to_vec(&response).unwrap();
        assert_eq!(
            decode_frame(&reencoded),
            response,
            "{name}: response round trip"
        );
    }
}

#[test]
fn real_not_exist_response_carries_the_java_remark() {
    let response = realns("route-notexist.resp");
    assert_eq!(response.code, 17);
    assert!(response.body.is_empty());
    assert_eq!(
        response.remark.as_deref(),
        Some(
            "No topic route info in name server for the topic: NoSuchTopic\nSee http://rocketmq.apache.org/docs/faq/ for further details."
        )
    );
}

#[test]
fn real_cluster_info_is_in_legacy_form() {
    let response = realns("clusterinfo.resp");
    let info: ClusterInfo = json::from_slice(&response.body).unwrap();
    assert!(info.cluster_addr_table["DefaultCluster"].contains("broker-a"));
    let body = std::str::from_utf8(&response.body).unwrap();
    assert_eq!(
        String::from_utf8(json::to_vec(&info, KeyStyle::Legacy)).unwrap(),
        with_acting_master(body)
    );
}

#[test]
fn real_broker_registration_decodes_with_a_matching_crc() {
    let request = realns("register-broker.req");
    let header: RegisterBrokerRequestHeader = request.header().unwrap();
    assert_eq!(header.broker_name, "broker-x");
    assert_eq!(body_crc32(&request.body), header.body_crc32);
    let body =
        RegisterBrokerBody::decode(&request.body, request.version, header.compressed, 1 << 20)
            .unwrap();
    let topics = &body.topic_config_serialize_wrapper.topic_config_table.0;
    assert!(
        topics
            .iter()
            .any(|t| t.topic_name == "SELF_TEST_TOPIC" && t.read_queue_nums == 1)
    );
    assert!(
        topics
            .iter()
            .any(|t| t.topic_name == "TBW102" && t.perm == 7)
    );
    assert_eq!(
        body.topic_config_serialize_wrapper.data_version.timestamp,
        1_795_532_325_263
    );

    let response = realns("register-broker.resp");
    assert!(response.is_success());
    assert!(response.body.is_empty());
}

#[test]
fn captured_broker_body_matches_its_header_crc() {
    let body = fs::read(fixtures().join("broker-register.body.bin")).unwrap();
    let ext: serde_json::Map<String, Value> = serde_json::from_str(
        &fs::read_to_string(fixtures().join("broker-register.ext.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        body_crc32(&body).to_string(),
        ext["bodyCrc32"].as_str().unwrap()
    );
    let parsed = RegisterBrokerBody::decode(&body, 409, false, 1 << 20).unwrap();
    // Our JSON writer reproduces the broker's own bytes once parsed and
    // written back, apart from table order (ours follows the input).
    let rewritten = parsed.encode_json();
    let original: Value = serde_json::from_slice(&body).unwrap();
    let ours: Value = serde_json::from_slice(&rewritten).unwrap();
    let strip_state_version = |mut value: Value| {
        value["topicConfigSerializeWrapper"]["dataVersion"]
            .as_object_mut()
            .unwrap()
            .remove("stateVersion");
        value
    };
    assert_eq!(strip_state_version(ours), original);
}
