//! The `limit` baseline: a server that does no work.
//!
//! It answers every request with a canned response of a given size, only
//! copying the request's opaque in, so measuring it shows what the machine's
//! sockets and this tool allow; a name server's figures read as a fraction
//! of that.

use std::net::SocketAddr;

use bytes::{Buf, BufMut, BytesMut};
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::protocol::{SerializeType, frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Offset of the opaque in a frame with a binary header: length (4),
/// type and header length (4), code (2), language (1), version (2).
const BINARY_OPAQUE_AT: usize = 13;

/// A canned success response whose frame is `total_bytes` long.
fn canned_response(total_bytes: usize) -> Vec<u8> {
    let mut response = RemotingCommand::success();
    response.serialize_type = SerializeType::RocketMq;
    let empty = frame::encode_to_vec(&response).expect("small");
    let body = vec![b'x'; total_bytes.saturating_sub(empty.len())];
    frame::encode_to_vec(&response.with_body(body)).expect("fits a frame")
}

/// The opaque of a request frame's header (after the 8-byte prefix).
fn opaque_of(header: &[u8], binary: bool) -> i32 {
    if binary {
        let at = BINARY_OPAQUE_AT - 8;
        return header
            .get(at..at + 4)
            .map_or(0, |b| i32::from_be_bytes(b.try_into().expect("4")));
    }
    let key = b"\"opaque\":";
    let Some(start) = header.windows(key.len()).position(|w| w == key) else {
        return 0;
    };
    let digits = &header[start + key.len()..];
    let digits = digits
        .iter()
        .skip_while(|b| **b == b' ')
        .take_while(|b| b.is_ascii_digit() || **b == b'-');
    std::str::from_utf8(&digits.copied().collect::<Vec<u8>>())
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

/// Serves canned responses on `addr` until the process ends.
pub(crate) async fn serve(addr: SocketAddr, response_bytes: usize) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    eprintln!(
        "limit server on {} answering {response_bytes}-byte frames",
        listener.local_addr()?
    );
    let canned = canned_response(response_bytes);
    loop {
        let (stream, _) = listener.accept().await?;
        let canned = canned.clone();
        tokio::spawn(async move {
            let _ = answer(stream, &canned).await;
        });
    }
}

async fn answer(mut stream: TcpStream, canned: &[u8]) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut input = BytesMut::with_capacity(64 * 1024);
    let mut out = BytesMut::with_capacity(64 * 1024);
    loop {
        if stream.read_buf(&mut input).await? == 0 {
            return Ok(());
        }
        while frame::starts_with_complete_frame(&input) {
            let len = u32::from_be_bytes(input[..4].try_into().expect("4")) as usize;
            let word = u32::from_be_bytes(input[4..8].try_into().expect("4"));
            let header_len = (word & 0x00FF_FFFF) as usize;
            let header_end = (8 + header_len).min(4 + len);
            let opaque = opaque_of(&input[8..header_end], word >> 24 == 1);
            input.advance(4 + len);
            let start = out.len();
            out.put_slice(canned);
            out[start + BINARY_OPAQUE_AT..start + BINARY_OPAQUE_AT + 4]
                .copy_from_slice(&opaque.to_be_bytes());
        }
        stream.write_all(&out).await?;
        out.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_responses_have_the_asked_size_and_any_opaque() {
        let canned = canned_response(300);
        assert_eq!(canned.len(), 300);
        let mut patched = canned.clone();
        patched[BINARY_OPAQUE_AT..BINARY_OPAQUE_AT + 4].copy_from_slice(&77i32.to_be_bytes());
        let decoded = frame::decode(bytes::Bytes::copy_from_slice(&patched[4..])).unwrap();
        assert_eq!(decoded.opaque, 77);
        assert!(decoded.is_response() && decoded.is_success());
    }

    #[test]
    fn opaques_are_found_in_both_header_forms() {
        let mut request = RemotingCommand::request(105).with_ext("topic", "T");
        request.opaque = 123_456;
        let json = frame::encode_to_vec(&request).unwrap();
        assert_eq!(opaque_of(&json[8..], false), 123_456);
        request.serialize_type = SerializeType::RocketMq;
        let binary = frame::encode_to_vec(&request).unwrap();
        assert_eq!(opaque_of(&binary[8..], true), 123_456);
    }
}
