//! The frame codec, for use with [`tokio_util::codec::Framed`].
//!
//! The outer length prefix is handled by [`LengthDelimitedCodec`], which
//! already copes with partial reads, several frames per read and the size
//! limit; this codec only adds the header decoding of
//! [`protocol::frame`](crate::protocol::frame). An error from the decoder
//! means the stream is unusable: the connection should be closed.

use std::io;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

use crate::protocol::RemotingCommand;
use crate::protocol::frame::{self, DecodeError, EncodeError, MAX_FRAME_LEN};

/// Why a stream of frames broke.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Reading or writing the socket failed, or a frame exceeded the limit.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A frame arrived whole but its header could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A command could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// Reads and writes [`RemotingCommand`]s as length-prefixed frames.
#[derive(Debug)]
pub struct RemotingCodec {
    frames: LengthDelimitedCodec,
}

impl RemotingCodec {
    /// A codec with the Java peers' 16 MiB frame limit.
    pub fn new() -> Self {
        Self::with_max_frame_len(MAX_FRAME_LEN)
    }

    /// A codec refusing frames larger than `max_frame_len` bytes, counting
    /// the 4-byte length prefix as Java does.
    pub fn with_max_frame_len(max_frame_len: usize) -> Self {
        RemotingCodec {
            frames: LengthDelimitedCodec::builder()
                .length_field_length(4)
                .max_frame_length(max_frame_len.saturating_sub(4))
                .new_codec(),
        }
    }
}

impl Default for RemotingCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for RemotingCodec {
    type Item = RemotingCommand;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RemotingCommand>, CodecError> {
        match self.frames.decode(src)? {
            Some(payload) => Ok(Some(frame::decode(payload.freeze())?)),
            None => Ok(None),
        }
    }
}

impl Encoder<RemotingCommand> for RemotingCodec {
    type Error = CodecError;

    fn encode(&mut self, command: RemotingCommand, dst: &mut BytesMut) -> Result<(), CodecError> {
        Ok(frame::encode(&command, dst)?)
    }
}
