//! The REGISTER_BROKER body, in its JSON and its compressed form.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::route::TopicQueueMappingInfo;
use super::topic::{DataVersion, TopicConfig, TopicConfigSerializeWrapper};
use crate::protocol::json::{self, KeyStyle};
use crate::protocol::version;

/// The inflated size the name server accepts from a compressed body by default.
pub const DEFAULT_MAX_INFLATED_LEN: usize = 64 * 1024 * 1024;

/// Why a registration body could not be read.
#[derive(Debug, Error)]
pub enum BodyError {
    /// The JSON is malformed or of the wrong shape.
    #[error("malformed registration body: {0}")]
    Json(#[from] serde_json::Error),
    /// The zlib stream is corrupt.
    #[error("corrupt compressed registration body: {0}")]
    Inflate(std::io::Error),
    /// The inflated body is larger than allowed.
    #[error("compressed registration body inflates past {0} bytes")]
    TooLarge(usize),
    /// The inflated body ends early or has an impossible length.
    #[error("truncated compressed registration body: {0}")]
    Truncated(&'static str),
    /// A topic in the compressed body is not in the text form.
    #[error("invalid topic entry in compressed registration body: {0:?}")]
    Topic(String),
}

/// What a broker registers: its topic table and its filter servers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterBrokerBody {
    /// Filter server addresses; brokers send an empty list.
    #[serde(default)]
    pub filter_server_list: Vec<String>,
    /// The topic table with its version.
    #[serde(default)]
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
}

/// The CRC a REGISTER_BROKER header carries: zlib's CRC-32, masked to 31 bits.
pub fn body_crc32(body: &[u8]) -> i32 {
    masked_crc32(crc32fast::hash(body))
}

/// A full CRC-32 as the REGISTER_BROKER header carries it, masked to 31 bits.
pub const fn masked_crc32(crc32: u32) -> i32 {
    (crc32 & 0x7FFF_FFFF) as i32
}

impl RegisterBrokerBody {
    /// Reads a body as the name server must for a request of `request_version`:
    /// a bare topic wrapper before 3.0.11, JSON or compressed after.
    pub fn decode(
        body: &[u8],
        request_version: i32,
        compressed: bool,
        max_inflated_len: usize,
    ) -> Result<Self, BodyError> {
        if body.is_empty() {
            return Ok(RegisterBrokerBody::default());
        }
        if request_version < version::V3_0_11 {
            return Ok(RegisterBrokerBody {
                filter_server_list: Vec::new(),
                topic_config_serialize_wrapper: json::from_slice(body)?,
            });
        }
        if compressed {
            Self::decode_compressed(body, request_version, max_inflated_len)
        } else {
            Ok(json::from_slice(body)?)
        }
    }

    /// The JSON form, as 5.x brokers always send.
    pub fn encode_json(&self) -> Vec<u8> {
        json::to_vec(self, KeyStyle::Standard)
    }

    /// The compressed form 4.x brokers send with `compressedRegister=true`.
    ///
    /// The static-mapping section is written for versions from 5.0.0 on, as
    /// only those read it.
    pub fn encode_compressed(&self, request_version: i32) -> Vec<u8> {
        let wrapper = &self.topic_config_serialize_wrapper;
        let mut raw = Vec::with_capacity(64 + 64 * wrapper.topic_config_table.0.len());
        put_block(
            &mut raw,
            &json::to_vec(&wrapper.data_version, KeyStyle::Standard),
        );
        put_len(&mut raw, wrapper.topic_config_table.0.len());
        for config in &wrapper.topic_config_table.0 {
            put_block(&mut raw, config.encode_text().as_bytes());
        }
        put_block(
            &mut raw,
            &json::to_vec(&self.filter_server_list, KeyStyle::Standard),
        );
        if request_version >= version::V5_0_0 {
            let mappings = wrapper
                .topic_queue_mapping_info_map
                .iter()
                .flat_map(|map| map.values());
            put_len(&mut raw, mappings.clone().count());
            for info in mappings {
                put_block(&mut raw, &json::to_vec(info, KeyStyle::Legacy));
            }
        }
        let mut encoder = ZlibEncoder::new(Vec::with_capacity(raw.len() / 4), Compression::best());
        encoder.write_all(&raw).expect("writing to memory");
        encoder.finish().expect("writing to memory")
    }

    fn decode_compressed(
        body: &[u8],
        request_version: i32,
        max_inflated_len: usize,
    ) -> Result<Self, BodyError> {
        let mut raw = Vec::new();
        ZlibDecoder::new(body)
            .take(max_inflated_len as u64 + 1)
            .read_to_end(&mut raw)
            .map_err(BodyError::Inflate)?;
        if raw.len() > max_inflated_len {
            return Err(BodyError::TooLarge(max_inflated_len));
        }
        let mut input = raw.as_slice();
        let data_version: DataVersion = json::from_slice(take_block(&mut input, "data version")?)?;
        let topic_count = take_len(&mut input, "topic count")?;
        // Each topic needs at least its 4-byte length, which bounds the count.
        let mut topics = Vec::with_capacity(topic_count.min(input.len() / 4));
        for _ in 0..topic_count {
            let text = take_block(&mut input, "topic entry")?;
            let text = std::str::from_utf8(text)
                .map_err(|_| BodyError::Topic(String::from_utf8_lossy(text).into_owned()))?;
            topics.push(
                TopicConfig::decode_text(text).ok_or_else(|| BodyError::Topic(text.to_owned()))?,
            );
        }
        // Java logs a malformed filter list and carries on with an empty one.
        let filter_server_list =
            json::from_slice(take_block(&mut input, "filter server list")?).unwrap_or_default();
        let mut mappings = None;
        if request_version >= version::V5_0_0 {
            let count = take_len(&mut input, "mapping count")?;
            let mut map = BTreeMap::new();
            for _ in 0..count {
                let info: TopicQueueMappingInfo =
                    json::from_slice(take_block(&mut input, "mapping")?)?;
                map.insert(info.topic.clone().unwrap_or_default(), info);
            }
            mappings = Some(map);
        }
        Ok(RegisterBrokerBody {
            filter_server_list,
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                data_version,
                mapping_data_version: None,
                topic_config_table: super::topic::TopicConfigTable(topics),
                topic_queue_mapping_info_map: mappings,
            },
        })
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&(len as i32).to_be_bytes());
}

fn put_block(out: &mut Vec<u8>, block: &[u8]) {
    put_len(out, block.len());
    out.extend_from_slice(block);
}

fn take_len(input: &mut &[u8], what: &'static str) -> Result<usize, BodyError> {
    let (len, rest) = input
        .split_first_chunk::<4>()
        .ok_or(BodyError::Truncated(what))?;
    *input = rest;
    usize::try_from(i32::from_be_bytes(*len)).map_err(|_| BodyError::Truncated(what))
}

fn take_block<'a>(input: &mut &'a [u8], what: &'static str) -> Result<&'a [u8], BodyError> {
    let len = take_len(input, what)?;
    if len > input.len() {
        return Err(BodyError::Truncated(what));
    }
    let (block, rest) = input.split_at(len);
    *input = rest;
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::body::TopicConfigTable;

    fn body() -> RegisterBrokerBody {
        RegisterBrokerBody {
            filter_server_list: vec![],
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                data_version: DataVersion {
                    counter: 3,
                    state_version: 0,
                    timestamp: 1000,
                },
                topic_config_table: TopicConfigTable(vec![
                    TopicConfig::new("T1", 4),
                    TopicConfig::new("T2", 8),
                ]),
                ..Default::default()
            },
        }
    }

    #[test]
    fn json_round_trip() {
        let encoded = body().encode_json();
        let decoded =
            RegisterBrokerBody::decode(&encoded, version::V4_9_8, false, 1 << 20).unwrap();
        assert_eq!(decoded, body());
    }

    #[test]
    fn compressed_round_trip_in_both_versions() {
        for request_version in [version::V4_9_8, version::V5_3_3] {
            let encoded = body().encode_compressed(request_version);
            assert_eq!(
                &encoded[..2],
                &[0x78, 0xda],
                "zlib header at best compression"
            );
            let decoded =
                RegisterBrokerBody::decode(&encoded, request_version, true, 1 << 20).unwrap();
            let mut expected = body();
            if request_version >= version::V5_0_0 {
                expected
                    .topic_config_serialize_wrapper
                    .topic_queue_mapping_info_map = Some(BTreeMap::new());
            }
            assert_eq!(decoded, expected);
        }
    }

    #[test]
    fn a_zlib_bomb_is_refused() {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = encoder.finish().unwrap();
        let error = RegisterBrokerBody::decode(&bomb, version::V4_9_8, true, 1024).unwrap_err();
        assert!(matches!(error, BodyError::TooLarge(1024)), "{error}");
    }

    #[test]
    fn truncated_compressed_bodies_are_errors() {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&[0, 0, 0, 50, b'{']).unwrap();
        let short = encoder.finish().unwrap();
        assert!(RegisterBrokerBody::decode(&short, version::V4_9_8, true, 1 << 20).is_err());
        assert!(RegisterBrokerBody::decode(b"not zlib", version::V4_9_8, true, 1 << 20).is_err());
    }

    #[test]
    fn old_versions_send_the_bare_wrapper() {
        let wrapper = br#"{"dataVersion":{"counter":1,"timestamp":2},"topicConfigTable":{"T":{"topicName":"T"}}}"#;
        let decoded = RegisterBrokerBody::decode(wrapper, 0, false, 1 << 20).unwrap();
        assert_eq!(
            decoded
                .topic_config_serialize_wrapper
                .topic_config_table
                .0
                .len(),
            1
        );
    }

    #[test]
    fn crc_is_masked_to_31_bits() {
        // CRC-32 of the standard check string is 0xCBF43926; the top bit goes.
        assert_eq!(body_crc32(b""), 0);
        assert_eq!(body_crc32(b"123456789"), 0x4BF4_3926);
    }
}
