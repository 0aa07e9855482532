//! The remoting command: one request or response, header and body.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::code::{ResponseCode, request_code_name};
use super::header::{CommandHeader, HeaderError};
use super::version;

/// Flag bit set on every response.
pub const FLAG_RESPONSE: i32 = 1;
/// Flag bit set on requests that expect no response.
pub const FLAG_ONEWAY: i32 = 2;

/// The custom header fields of a command (`extFields`), always strings on the wire.
///
/// A sorted map, so headers are written in a stable order, as fastjson does.
pub type ExtFields = BTreeMap<String, String>;

/// How a command's header is encoded: the high byte of the header-length word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SerializeType {
    /// Header as a JSON object (type byte 0); what nearly every client sends.
    #[default]
    Json,
    /// RocketMQ's compact binary header (type byte 1).
    RocketMq,
}

impl SerializeType {
    /// The type byte on the wire.
    pub const fn as_u8(self) -> u8 {
        match self {
            SerializeType::Json => 0,
            SerializeType::RocketMq => 1,
        }
    }

    /// The serialize type for a type byte, if it is a known one.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(SerializeType::Json),
            1 => Some(SerializeType::RocketMq),
            _ => None,
        }
    }

    /// The name written in the JSON header's `serializeTypeCurrentRPC`.
    pub const fn name(self) -> &'static str {
        match self {
            SerializeType::Json => "JSON",
            SerializeType::RocketMq => "ROCKETMQ",
        }
    }
}

/// The client language a command says it comes from.
///
/// Readers never act on it, so an unknown value decodes as [`LanguageCode::Other`]
/// rather than failing the whole frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub enum LanguageCode {
    #[default]
    Java,
    Cpp,
    Dotnet,
    Python,
    Delphi,
    Erlang,
    Ruby,
    Other,
    Http,
    Go,
    Php,
    Oms,
    Rust,
    NodeJs,
}

impl LanguageCode {
    const ALL: [LanguageCode; 14] = [
        LanguageCode::Java,
        LanguageCode::Cpp,
        LanguageCode::Dotnet,
        LanguageCode::Python,
        LanguageCode::Delphi,
        LanguageCode::Erlang,
        LanguageCode::Ruby,
        LanguageCode::Other,
        LanguageCode::Http,
        LanguageCode::Go,
        LanguageCode::Php,
        LanguageCode::Oms,
        LanguageCode::Rust,
        LanguageCode::NodeJs,
    ];

    /// The byte used in binary headers (and accepted as a JSON number).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The language for a byte code; unknown codes map to `Other`.
    pub fn from_code(code: u8) -> Self {
        Self::ALL
            .get(usize::from(code))
            .copied()
            .unwrap_or(LanguageCode::Other)
    }

    /// The enum name used in JSON headers.
    pub const fn name(self) -> &'static str {
        match self {
            LanguageCode::Java => "JAVA",
            LanguageCode::Cpp => "CPP",
            LanguageCode::Dotnet => "DOTNET",
            LanguageCode::Python => "PYTHON",
            LanguageCode::Delphi => "DELPHI",
            LanguageCode::Erlang => "ERLANG",
            LanguageCode::Ruby => "RUBY",
            LanguageCode::Other => "OTHER",
            LanguageCode::Http => "HTTP",
            LanguageCode::Go => "GO",
            LanguageCode::Php => "PHP",
            LanguageCode::Oms => "OMS",
            LanguageCode::Rust => "RUST",
            LanguageCode::NodeJs => "NODE_JS",
        }
    }

    /// The language for a JSON enum name; unknown names map to `Other`.
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|lang| lang.name() == name)
            .unwrap_or(LanguageCode::Other)
    }
}

/// One request or response of the RocketMQ remoting protocol.
///
/// The same structure carries both: [`flag`](Self::flag) tells them apart, and
/// [`opaque`](Self::opaque) pairs a response with its request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemotingCommand {
    /// The request code, or the response code in a response.
    pub code: i32,
    /// The sender's language.
    pub language: LanguageCode,
    /// The sender's MQVersion ordinal; some requests change meaning with it.
    pub version: i32,
    /// The request id, echoed in the response.
    pub opaque: i32,
    /// Bit 0: response; bit 1: oneway request.
    pub flag: i32,
    /// A human-readable message, mostly on error responses.
    pub remark: Option<String>,
    /// Custom header fields.
    pub ext_fields: ExtFields,
    /// The body; empty when there is none.
    pub body: Bytes,
    /// The header encoding this command was read in, or will be written in.
    pub serialize_type: SerializeType,
}

impl RemotingCommand {
    /// A new request with the given code, written by ferrymq.
    ///
    /// It says it is a Java peer of the current version: 4.x Java clients have
    /// no enum value for Rust and would read the language as null.
    pub fn request(code: impl Into<i32>) -> Self {
        RemotingCommand {
            code: code.into(),
            version: version::CURRENT,
            ..Default::default()
        }
    }

    /// A new request carrying a typed header.
    pub fn request_with_header(code: impl Into<i32>, header: &impl CommandHeader) -> Self {
        let mut command = Self::request(code);
        header.write_to(&mut command.ext_fields);
        command
    }

    /// A response with the given code, not yet tied to a request.
    pub fn response(code: impl Into<i32>) -> Self {
        RemotingCommand {
            code: code.into(),
            version: version::CURRENT,
            flag: FLAG_RESPONSE,
            ..Default::default()
        }
    }

    /// A response with the given code and remark.
    pub fn response_with_remark(code: impl Into<i32>, remark: impl Into<String>) -> Self {
        Self::response(code).with_remark(remark)
    }

    /// A successful, empty response.
    pub fn success() -> Self {
        Self::response(ResponseCode::Success)
    }

    /// The answer to an unknown request code, worded as the Java server words it.
    pub fn not_supported(request_code: i32) -> Self {
        Self::response_with_remark(
            ResponseCode::RequestCodeNotSupported,
            format!(" request type {request_code} not supported"),
        )
    }

    /// Sets the remark.
    pub fn with_remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a custom header field.
    pub fn with_ext(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.ext_fields.insert(key.into(), value.into());
        self
    }

    /// Writes a typed header into the custom header fields.
    pub fn with_header(mut self, header: &impl CommandHeader) -> Self {
        header.write_to(&mut self.ext_fields);
        self
    }

    /// Marks this request as oneway: the peer must not answer it.
    pub fn into_oneway(mut self) -> Self {
        self.flag |= FLAG_ONEWAY;
        self
    }

    /// Ties this response to `request`: same opaque, same header encoding.
    pub fn answering(mut self, request: &RemotingCommand) -> Self {
        self.opaque = request.opaque;
        self.flag |= FLAG_RESPONSE;
        self.serialize_type = request.serialize_type;
        self
    }

    /// Whether this is a response.
    pub const fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    /// Whether this is a request that expects no response.
    pub const fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// Whether this response says the request succeeded.
    pub const fn is_success(&self) -> bool {
        self.code == ResponseCode::Success as i32
    }

    /// Decodes the custom header fields into a typed header.
    pub fn header<H: CommandHeader>(&self) -> Result<H, HeaderError> {
        H::read_from(&self.ext_fields)
    }

    /// The custom header field `key`, if present.
    pub fn ext(&self, key: &str) -> Option<&str> {
        self.ext_fields.get(key).map(String::as_str)
    }

    /// A short description for logs: the code's name and the opaque.
    pub fn describe(&self) -> String {
        if self.is_response() {
            format!(
                "response {} to opaque {}",
                super::code::response_code_name(self.code),
                self.opaque
            )
        } else {
            format!(
                "request {} opaque {}",
                request_code_name(self.code),
                self.opaque
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_follow_the_java_ordinals() {
        assert_eq!(LanguageCode::Java.code(), 0);
        assert_eq!(LanguageCode::Go.code(), 9);
        assert_eq!(LanguageCode::NodeJs.code(), 13);
        assert_eq!(LanguageCode::from_code(1), LanguageCode::Cpp);
        assert_eq!(LanguageCode::from_code(200), LanguageCode::Other);
        assert_eq!(LanguageCode::from_name("RUST"), LanguageCode::Rust);
        assert_eq!(LanguageCode::from_name("COBOL"), LanguageCode::Other);
    }

    #[test]
    fn a_response_echoes_opaque_and_encoding() {
        let mut request = RemotingCommand::request(105);
        request.opaque = 42;
        request.serialize_type = SerializeType::RocketMq;
        let response = RemotingCommand::success().answering(&request);
        assert_eq!(response.opaque, 42);
        assert!(response.is_response());
        assert!(!response.is_oneway());
        assert_eq!(response.serialize_type, SerializeType::RocketMq);
    }

    #[test]
    fn not_supported_is_worded_like_java() {
        let response = RemotingCommand::not_supported(99_999);
        assert_eq!(response.code, 3);
        assert_eq!(
            response.remark.as_deref(),
            Some(" request type 99999 not supported")
        );
    }
}
