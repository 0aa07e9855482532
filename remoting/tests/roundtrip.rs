//! Property tests: any command survives encoding and decoding, in both
//! header encodings, and decoding arbitrary bytes never panics.

use bytes::Bytes;
use ferrymq_remoting::protocol::{ExtFields, LanguageCode, RemotingCommand, SerializeType, frame};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

fn command(serialize_type: SerializeType) -> impl Strategy<Value = RemotingCommand> {
    (
        any::<i16>(),
        0u8..14,
        any::<i16>(),
        any::<i32>(),
        any::<i32>(),
        // Empty strings read back as absent in the binary form, as in Java,
        // so generated strings are never empty.
        proptest::option::of(".{1,40}"),
        btree_map(".{1,20}", ".{1,40}", 0..8),
        vec(any::<u8>(), 0..256),
    )
        .prop_map(
            move |(code, language, version, opaque, flag, remark, ext, body)| RemotingCommand {
                code: i32::from(code),
                language: LanguageCode::from_code(language),
                version: i32::from(version),
                opaque,
                flag,
                remark,
                ext_fields: ext.into_iter().collect::<ExtFields>(),
                body: Bytes::from(body),
                serialize_type,
            },
        )
}

fn round_trip(command: &RemotingCommand) -> RemotingCommand {
    let bytes = frame::encode_to_vec(command).unwrap();
    frame::decode(Bytes::copy_from_slice(&bytes[4..])).unwrap()
}

proptest! {
    #[test]
    fn json_headers_round_trip(command in command(SerializeType::Json)) {
        prop_assert_eq!(round_trip(&command), command);
    }

    #[test]
    fn binary_headers_round_trip(command in command(SerializeType::RocketMq)) {
        prop_assert_eq!(round_trip(&command), command);
    }

    #[test]
    fn arbitrary_payloads_decode_or_fail_cleanly(payload in vec(any::<u8>(), 0..512)) {
        let _ = frame::decode(Bytes::from(payload));
    }

    #[test]
    fn corrupted_frames_decode_or_fail_cleanly(
        command in command(SerializeType::RocketMq),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = frame::encode_to_vec(&command).unwrap();
        let at = at.index(bytes.len() - 4) + 4;
        bytes[at] = byte;
        let _ = frame::decode(Bytes::copy_from_slice(&bytes[4..]));
    }
}
