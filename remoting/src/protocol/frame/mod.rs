//! One frame on the wire, without any I/O.
//!
//! ```text
//! +----------------+----------------------------+-----------+------------+
//! | frame length   | type (1) | header len (3)  | header    | body       |
//! | u32 BE         | u32 BE                     | JSON or   | raw bytes  |
//! | = 4 + header   |                            | binary    |            |
//! |   + body       |                            |           |            |
//! +----------------+----------------------------+-----------+------------+
//! ```
//!
//! The frame length counts everything after itself. The body length is not
//! sent: it is what is left after the header. The Java server refuses a frame
//! whose length plus the 4-byte prefix exceeds 16 MiB, and closes the
//! connection on any frame it cannot decode.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use thiserror::Error;

use super::command::{RemotingCommand, SerializeType};

mod binary;
mod json;
mod json_fast;

/// The largest frame, counting the 4-byte length prefix, as the Java peers allow.
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// The largest header the 24-bit length can describe.
const MAX_HEADER_LEN: usize = (1 << 24) - 1;

/// Why a frame could not be decoded. The connection it came on should close.
#[derive(Debug, Error)]
pub enum DecodeError {
    /// The frame is too short to hold the header-length word.
    #[error("frame of {0} bytes is too short for a header")]
    TooShort(usize),
    /// The header length claims more bytes than the frame has.
    #[error("header length {header_len} exceeds the {available} bytes left in the frame")]
    HeaderPastFrame {
        /// The header length from the frame.
        header_len: usize,
        /// The bytes that follow the header-length word.
        available: usize,
    },
    /// The type byte is neither JSON (0) nor ROCKETMQ (1).
    #[error("unknown header serialize type {0}")]
    UnknownSerializeType(u8),
    /// The JSON header is not valid JSON of the expected shape.
    #[error("invalid JSON header: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON header is valid JSON but not an object.
    #[error("JSON header is not an object")]
    JsonNotObject,
    /// The binary header is truncated or malformed.
    #[error("invalid binary header: {0}")]
    Binary(&'static str),
}

/// Why a command could not be encoded.
#[derive(Debug, Error)]
pub enum EncodeError {
    /// The header does not fit the 24-bit length.
    #[error("header of {0} bytes does not fit in a frame")]
    HeaderTooLong(usize),
    /// The whole frame exceeds the frame limit.
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_LEN}-byte limit")]
    FrameTooLong(usize),
}

/// Decodes the payload of one frame: everything after the 4-byte length.
///
/// The body is a zero-copy slice of `payload`.
pub fn decode(mut payload: Bytes) -> Result<RemotingCommand, DecodeError> {
    if payload.len() < 4 {
        return Err(DecodeError::TooShort(payload.len()));
    }
    let word = payload.get_u32();
    let type_byte = (word >> 24) as u8;
    let header_len = (word & 0x00FF_FFFF) as usize;
    if header_len > payload.len() {
        return Err(DecodeError::HeaderPastFrame {
            header_len,
            available: payload.len(),
        });
    }
    let serialize_type =
        SerializeType::from_u8(type_byte).ok_or(DecodeError::UnknownSerializeType(type_byte))?;
    let header = payload.split_to(header_len);
    let mut command = match serialize_type {
        SerializeType::Json => json::decode(&header)?,
        SerializeType::RocketMq => binary::decode(&header)?,
    };
    command.serialize_type = serialize_type;
    command.body = payload;
    Ok(command)
}

/// Encodes a whole frame, length prefix included, in the command's serialize type.
pub fn encode(command: &RemotingCommand, dst: &mut BytesMut) -> Result<(), EncodeError> {
    let start = dst.len();
    // Length and header-length words are patched once the header is written.
    dst.put_u64(0);
    match command.serialize_type {
        SerializeType::Json => json::encode(command, dst),
        SerializeType::RocketMq => binary::encode(command, dst),
    }
    let header_len = dst.len() - start - 8;
    let frame_len = 4 + header_len + command.body.len();
    if header_len > MAX_HEADER_LEN {
        dst.truncate(start);
        return Err(EncodeError::HeaderTooLong(header_len));
    }
    if frame_len + 4 > MAX_FRAME_LEN {
        dst.truncate(start);
        return Err(EncodeError::FrameTooLong(frame_len + 4));
    }
    dst.extend_from_slice(&command.body);
    let word = (u32::from(command.serialize_type.as_u8()) << 24) | header_len as u32;
    dst[start..start + 4].copy_from_slice(&(frame_len as u32).to_be_bytes());
    dst[start + 4..start + 8].copy_from_slice(&word.to_be_bytes());
    Ok(())
}

/// Encodes a command into a new buffer.
pub fn encode_to_vec(command: &RemotingCommand) -> Result<Vec<u8>, EncodeError> {
    let mut buf = BytesMut::with_capacity(64 + command.body.len());
    encode(command, &mut buf)?;
    Ok(buf.to_vec())
}

/// Whether `buffer` starts with at least one complete frame.
///
/// A server uses it to hold back a flush while more pipelined requests are
/// already waiting, so their responses leave in one write.
pub fn starts_with_complete_frame(buffer: &[u8]) -> bool {
    match buffer.get(..4) {
        Some(prefix) => {
            let len = u32::from_be_bytes(prefix.try_into().expect("4 bytes")) as usize;
            buffer.len() - 4 >= len
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::LanguageCode;

    fn route_request(serialize_type: SerializeType) -> RemotingCommand {
        let mut command = RemotingCommand::request(105).with_ext("topic", "T");
        command.opaque = 1;
        command.serialize_type = serialize_type;
        command
    }

    #[test]
    fn json_request_matches_the_documented_example() {
        let bytes = encode_to_vec(&route_request(SerializeType::Json)).unwrap();
        let header = br#"{"code":105,"extFields":{"topic":"T"},"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":479}"#;
        assert_eq!(header.len(), 123);
        assert_eq!(&bytes[..8], &[0, 0, 0, 0x7f, 0, 0, 0, 0x7b]);
        assert_eq!(&bytes[8..], header);
    }

    #[test]
    fn binary_request_matches_the_documented_example() {
        let bytes = encode_to_vec(&route_request(SerializeType::RocketMq)).unwrap();
        let expected = [
            "00000025",
            "01000021",
            "0069",
            "00",
            "01df",
            "00000001",
            "00000000",
            "00000000",
            "0000000c",
            "0005",
            "746f706963",
            "00000001",
            "54",
        ];
        assert_eq!(hex(&bytes), expected.concat());
    }

    #[test]
    fn decode_reads_back_both_encodings() {
        for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
            let mut command = route_request(serialize_type).with_body(&b"payload"[..]);
            command.remark = Some("hello".into());
            command.language = LanguageCode::Go;
            let bytes = encode_to_vec(&command).unwrap();
            let decoded = decode(Bytes::copy_from_slice(&bytes[4..])).unwrap();
            assert_eq!(decoded, command);
        }
    }

    #[test]
    fn complete_frames_are_detected() {
        let bytes = encode_to_vec(&route_request(SerializeType::Json)).unwrap();
        assert!(starts_with_complete_frame(&bytes));
        assert!(!starts_with_complete_frame(&bytes[..bytes.len() - 1]));
        assert!(!starts_with_complete_frame(&bytes[..3]));
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
