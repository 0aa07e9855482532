//! The ROCKETMQ binary header (serialize type 1), all integers big-endian.
//!
//! ```text
//! code i16 | language u8 | version i16 | opaque i32 | flag i32
//! remark length i32 | remark UTF-8
//! ext length i32 | ext: (key length i16 | key | value length i32 | value)*
//! ```
//!
//! A zero-length string reads as absent, as in the Java decoder, so an empty
//! remark or ext value does not survive the trip.

use bytes::{Buf, BufMut, BytesMut};

use super::DecodeError;
use crate::protocol::command::{ExtFields, LanguageCode, RemotingCommand};

/// Size of the fields before the remark.
const FIXED_LEN: usize = 2 + 1 + 2 + 4 + 4;

pub(super) fn decode(mut header: &[u8]) -> Result<RemotingCommand, DecodeError> {
    if header.len() < FIXED_LEN {
        return Err(DecodeError::Binary("header shorter than its fixed fields"));
    }
    let code = i32::from(header.get_i16());
    let language = LanguageCode::from_code(header.get_u8());
    let version = i32::from(header.get_i16());
    let opaque = header.get_i32();
    let flag = header.get_i32();
    let remark_len = read_len(&mut header, "remark length")?;
    let remark = read_str(&mut header, remark_len, "remark")?;
    let ext_len = read_len(&mut header, "ext length")?;
    if ext_len > header.len() {
        return Err(DecodeError::Binary("ext fields past the header"));
    }
    let mut ext_bytes = &header[..ext_len];
    let mut ext_fields = ExtFields::new();
    while ext_bytes.has_remaining() {
        if ext_bytes.len() < 2 {
            return Err(DecodeError::Binary("truncated ext key length"));
        }
        let key_len = usize::from(ext_bytes.get_u16());
        let key = read_str(&mut ext_bytes, key_len, "ext key")?;
        let value_len = read_len(&mut ext_bytes, "ext value length")?;
        let value = read_str(&mut ext_bytes, value_len, "ext value")?;
        if let (Some(key), Some(value)) = (key, value) {
            ext_fields.insert(key, value);
        }
    }
    Ok(RemotingCommand {
        code,
        language,
        version,
        opaque,
        flag,
        remark,
        ext_fields,
        ..Default::default()
    })
}

fn read_len(buf: &mut &[u8], what: &'static str) -> Result<usize, DecodeError> {
    if buf.len() < 4 {
        return Err(DecodeError::Binary(what));
    }
    usize::try_from(buf.get_i32()).map_err(|_| DecodeError::Binary("negative length"))
}

fn read_str(
    buf: &mut &[u8],
    len: usize,
    what: &'static str,
) -> Result<Option<String>, DecodeError> {
    if len > buf.len() {
        return Err(DecodeError::Binary(what));
    }
    let (text, rest) = buf.split_at(len);
    *buf = rest;
    if text.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(text)
        .map(|text| Some(text.to_owned()))
        .map_err(|_| DecodeError::Binary("invalid UTF-8"))
}

pub(super) fn encode(command: &RemotingCommand, dst: &mut BytesMut) {
    // Codes and versions are 16-bit here; the values in use all fit.
    dst.put_i16(command.code as i16);
    dst.put_u8(command.language.code());
    dst.put_i16(command.version as i16);
    dst.put_i32(command.opaque);
    dst.put_i32(command.flag);
    match &command.remark {
        Some(remark) => {
            dst.put_i32(remark.len() as i32);
            dst.put_slice(remark.as_bytes());
        }
        None => dst.put_i32(0),
    }
    let ext_len: usize = command
        .ext_fields
        .iter()
        .map(|(key, value)| 2 + key.len() + 4 + value.len())
        .sum();
    dst.put_i32(ext_len as i32);
    for (key, value) in &command.ext_fields {
        dst.put_u16(key.len() as u16);
        dst.put_slice(key.as_bytes());
        dst.put_i32(value.len() as i32);
        dst.put_slice(value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_remark_and_no_ext_fields() {
        let mut command = RemotingCommand::success();
        command.opaque = 9;
        let mut buf = BytesMut::new();
        encode(&command, &mut buf);
        assert_eq!(buf.len(), FIXED_LEN + 8);
        let decoded = decode(&buf).unwrap();
        assert_eq!(decoded.remark, None);
        assert!(decoded.ext_fields.is_empty());
        assert_eq!(decoded.opaque, 9);
        assert!(decoded.is_response());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let command = RemotingCommand::request(105)
            .with_ext("topic", "T")
            .with_remark("r");
        let mut buf = BytesMut::new();
        encode(&command, &mut buf);
        for len in 0..buf.len() {
            assert!(decode(&buf[..len]).is_err(), "truncated to {len}");
        }
        assert!(decode(&buf).is_ok());
    }

    #[test]
    fn negative_lengths_are_errors() {
        let mut buf = BytesMut::new();
        encode(&RemotingCommand::request(105), &mut buf);
        buf[FIXED_LEN..FIXED_LEN + 4].copy_from_slice(&(-1i32).to_be_bytes());
        assert!(decode(&buf).is_err());
    }

    #[test]
    fn empty_strings_read_as_absent() {
        let mut buf = BytesMut::new();
        encode(
            &RemotingCommand::request(105)
                .with_ext("k", "")
                .with_remark(""),
            &mut buf,
        );
        let decoded = decode(&buf).unwrap();
        assert_eq!(decoded.remark, None);
        assert!(decoded.ext_fields.is_empty());
    }
}
