//! The frame codec's edge cases, one test each, fed byte by byte where
//! partial input matters.

use bytes::{BufMut, BytesMut};
use ferrymq_remoting::codec::{CodecError, RemotingCodec};
use ferrymq_remoting::protocol::frame::{self, DecodeError, MAX_FRAME_LEN};
use ferrymq_remoting::protocol::{RemotingCommand, SerializeType};
use tokio_util::codec::{Decoder, Encoder};

fn request(serialize_type: SerializeType) -> RemotingCommand {
    let mut command = RemotingCommand::request(105).with_ext("topic", "TopicTest");
    command.opaque = 77;
    command.serialize_type = serialize_type;
    command
}

fn encoded(command: &RemotingCommand) -> Vec<u8> {
    frame::encode_to_vec(command).unwrap()
}

#[test]
fn split_reads_wait_for_the_whole_frame() {
    for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
        let command = request(serialize_type).with_body(&b"body"[..]);
        let bytes = encoded(&command);
        let mut codec = RemotingCodec::new();
        let mut buf = BytesMut::new();
        for (i, byte) in bytes.iter().enumerate() {
            buf.put_u8(*byte);
            let decoded = codec.decode(&mut buf).unwrap();
            if i + 1 < bytes.len() {
                assert!(decoded.is_none(), "decoded early at byte {i}");
            } else {
                assert_eq!(decoded, Some(command.clone()));
            }
        }
        assert!(buf.is_empty());
    }
}

#[test]
fn several_frames_in_one_read() {
    let first = request(SerializeType::Json);
    let second = request(SerializeType::RocketMq).with_body(&b"x"[..]);
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&encoded(&first));
    buf.extend_from_slice(&encoded(&second));
    let third = encoded(&first);
    buf.extend_from_slice(&third[..10]);
    let mut codec = RemotingCodec::new();
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(first.clone()));
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(second));
    assert_eq!(
        codec.decode(&mut buf).unwrap(),
        None,
        "the third frame is partial"
    );
    buf.extend_from_slice(&third[10..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(first));
    assert!(buf.is_empty());
}

#[test]
fn a_frame_too_short_for_the_header_word_is_an_error() {
    for payload in [&[][..], &[0, 0, 0][..]] {
        let mut buf = BytesMut::new();
        buf.put_u32(payload.len() as u32);
        buf.extend_from_slice(payload);
        let error = RemotingCodec::new().decode(&mut buf).unwrap_err();
        assert!(
            matches!(error, CodecError::Decode(DecodeError::TooShort(_))),
            "{error}"
        );
    }
}

#[test]
fn an_oversize_frame_is_refused_before_it_is_read() {
    let mut buf = BytesMut::new();
    // Java counts the prefix: 16 MiB - 4 is the largest frame length allowed.
    buf.put_u32((MAX_FRAME_LEN - 3) as u32);
    buf.put_u32(0);
    let error = RemotingCodec::new().decode(&mut buf).unwrap_err();
    assert!(matches!(error, CodecError::Io(_)), "{error}");

    let mut at_limit = BytesMut::new();
    at_limit.put_u32((MAX_FRAME_LEN - 4) as u32);
    at_limit.put_u32(0);
    assert!(
        RemotingCodec::new()
            .decode(&mut at_limit)
            .unwrap()
            .is_none(),
        "waits for the body"
    );
}

#[test]
fn a_negative_frame_length_is_refused() {
    let mut buf = BytesMut::new();
    buf.put_i32(-5);
    buf.put_u32(0);
    assert!(RemotingCodec::new().decode(&mut buf).is_err());
}

#[test]
fn a_header_length_past_the_frame_is_an_error() {
    let mut buf = BytesMut::new();
    buf.put_u32(8);
    buf.put_u32(100);
    buf.put_u32(0);
    let error = RemotingCodec::new().decode(&mut buf).unwrap_err();
    assert!(
        matches!(
            error,
            CodecError::Decode(DecodeError::HeaderPastFrame {
                header_len: 100,
                available: 4
            })
        ),
        "{error}"
    );
}

#[test]
fn an_unknown_serialize_type_is_an_error() {
    let mut bytes = encoded(&request(SerializeType::Json));
    bytes[4] = 2;
    let error = RemotingCodec::new()
        .decode(&mut BytesMut::from(&bytes[..]))
        .unwrap_err();
    assert!(
        matches!(
            error,
            CodecError::Decode(DecodeError::UnknownSerializeType(2))
        ),
        "{error}"
    );
}

#[test]
fn an_empty_body_decodes_as_empty() {
    let command = request(SerializeType::Json);
    let decoded = RemotingCodec::new()
        .decode(&mut BytesMut::from(&encoded(&command)[..]))
        .unwrap()
        .unwrap();
    assert!(decoded.body.is_empty());
}

#[test]
fn a_binary_header_with_no_remark_and_no_ext_fields() {
    // Fixed fields only: code 0, JAVA, version 0, opaque 5, flag 1, no remark, no ext.
    let mut buf = BytesMut::new();
    buf.put_u32(4 + 21);
    buf.put_u32((1 << 24) | 21);
    buf.put_i16(0);
    buf.put_u8(0);
    buf.put_i16(0);
    buf.put_i32(5);
    buf.put_i32(1);
    buf.put_i32(0);
    buf.put_i32(0);
    let decoded = RemotingCodec::new().decode(&mut buf).unwrap().unwrap();
    assert_eq!(decoded.opaque, 5);
    assert!(decoded.is_response());
    assert_eq!(decoded.remark, None);
    assert!(decoded.ext_fields.is_empty());
    assert!(decoded.body.is_empty());
    assert_eq!(decoded.serialize_type, SerializeType::RocketMq);
}

#[test]
fn a_truncated_binary_header_is_an_error() {
    let mut buf = BytesMut::new();
    buf.put_u32(4 + 10);
    buf.put_u32((1 << 24) | 10);
    buf.put_slice(&[0; 10]);
    assert!(RemotingCodec::new().decode(&mut buf).is_err());
}

#[test]
fn encoding_refuses_a_frame_over_the_limit() {
    let command = request(SerializeType::Json).with_body(vec![0u8; MAX_FRAME_LEN]);
    let mut buf = BytesMut::new();
    let error = RemotingCodec::new().encode(command, &mut buf).unwrap_err();
    assert!(matches!(error, CodecError::Encode(_)), "{error}");
    assert!(buf.is_empty(), "nothing half-written");
}

#[test]
fn a_smaller_limit_applies_to_decoding() {
    let command = request(SerializeType::Json).with_body(vec![1u8; 2048]);
    let mut codec = RemotingCodec::with_max_frame_len(1024);
    assert!(
        codec
            .decode(&mut BytesMut::from(&encoded(&command)[..]))
            .is_err()
    );
}
