//! Feeds arbitrary bytes to the frame codec, as a hostile peer would, and
//! checks that whatever decodes also encodes and decodes back the same.
#![no_main]

use bytes::{Bytes, BytesMut};
use ferrymq_remoting::codec::RemotingCodec;
use ferrymq_remoting::protocol::frame;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let mut codec = RemotingCodec::new();
    let mut buf = BytesMut::from(data);
    while let Ok(Some(command)) = codec.decode(&mut buf) {
        let Ok(encoded) = frame::encode_to_vec(&command) else { continue };
        let again = frame::decode(Bytes::copy_from_slice(&encoded[4..]))
            .expect("an encoded command decodes");
        assert_eq!(again.code, command.code);
        assert_eq!(again.opaque, command.opaque);
        assert_eq!(again.body, command.body);
    }
});
