//! JSON as RocketMQ peers write and read it.
//!
//! The Java implementation serializes with fastjson, whose default output
//! writes maps with numeric keys without quotes (`{0:"127.0.0.1:10911"}`).
//! That is not standard JSON, yet clients older than 4.9.4 are sent it, and
//! Java brokers send it for static-topic mappings. This module writes either
//! form, always compact (the Go client splits `brokerAddrs` on `,` and `:` by
//! hand, so whitespace would corrupt addresses), and reads both.

use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::ser::{CompactFormatter, Formatter};

/// How maps with numeric keys are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyStyle {
    /// Standard JSON: `{"0":"addr"}`. Every client accepts it.
    #[default]
    Standard,
    /// fastjson's default: `{0:"addr"}`, what a Java name server sends to
    /// clients older than 4.9.4 and in cluster info.
    Legacy,
}

/// Serializes `value` as compact JSON with numeric map keys in `style`.
///
/// The wire types in this crate have only string and integer map keys, for
/// which serialization cannot fail.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, style: KeyStyle) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let result = match style {
        KeyStyle::Standard => value.serialize(&mut serde_json::Serializer::new(&mut out)),
        KeyStyle::Legacy => value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            LegacyKeys::default(),
        )),
    };
    result.expect("wire types have only string and integer map keys");
    out
}

/// Reads JSON as fastjson writes it: standard JSON, or with bare numeric keys.
///
/// Standard JSON is tried first, so the common case costs one parse.
pub fn from_slice<T: DeserializeOwned>(input: &[u8]) -> Result<T, serde_json::Error> {
    match serde_json::from_slice(input) {
        Ok(value) => Ok(value),
        Err(error) if error.is_syntax() => match quote_bare_keys(input) {
            Some(quoted) => serde_json::from_slice(&quoted),
            None => Err(error),
        },
        Err(error) => Err(error),
    }
}

/// Rewrites bare object keys (`{0:"a"}`) as quoted ones (`{"0":"a"}`).
///
/// Returns `None` when the input has no bare key, so the caller keeps its
/// original error. Strings are skipped with their escapes, so text that
/// merely looks like a key inside a value is left alone.
pub fn quote_bare_keys(input: &[u8]) -> Option<Vec<u8>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Container {
        Object,
        Array,
    }

    let mut out = Vec::with_capacity(input.len() + 16);
    let mut stack: Vec<Container> = Vec::new();
    let mut expecting_key = false;
    let mut changed = false;
    let mut i = 0;
    while i < input.len() {
        let byte = input[i];
        match byte {
            b'"' => {
                let start = i;
                i += 1;
                while i < input.len() && input[i] != b'"' {
                    i += if input[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(input.len());
                out.extend_from_slice(&input[start..i]);
                continue;
            }
            b'{' => {
                stack.push(Container::Object);
                expecting_key = true;
            }
            b'[' => {
                stack.push(Container::Array);
                expecting_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expecting_key = false;
            }
            b',' => expecting_key = stack.last() == Some(&Container::Object),
            b':' => expecting_key = false,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if expecting_key => {
                let start = i;
                while i < input.len()
                    && !matches!(input[i], b':' | b' ' | b'\t' | b'\r' | b'\n' | b'}' | b',')
                {
                    i += 1;
                }
                out.push(b'"');
                out.extend_from_slice(&input[start..i]);
                out.push(b'"');
                changed = true;
                expecting_key = false;
                continue;
            }
            _ => {}
        }
        out.push(byte);
        i += 1;
    }
    changed.then_some(out)
}

/// Where the formatter is inside an object key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum KeyState {
    /// Not writing a key.
    #[default]
    Outside,
    /// A key has started; its opening quote waits until we see what it is.
    Pending,
    /// A string key: quoted.
    Quoted,
    /// A number key: written bare.
    Bare,
}

/// A compact formatter that writes integer map keys without quotes.
///
/// serde_json writes an integer key as `begin_string`, `write_i64`,
/// `end_string`; this formatter holds back the quote until it knows whether
/// the key is a number. String keys stay quoted even when they look numeric,
/// as fastjson quotes the keys of `Map<String, _>`.
#[derive(Debug, Default)]
struct LegacyKeys {
    key: KeyState,
}

impl LegacyKeys {
    fn open_quote<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if self.key == KeyState::Pending {
            self.key = KeyState::Quoted;
            writer.write_all(b"\"")?;
        }
        Ok(())
    }

    fn bare_number(&mut self) {
        if self.key == KeyState::Pending {
            self.key = KeyState::Bare;
        }
    }
}

macro_rules! bare_integer_keys {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: $ty) -> io::Result<()> {
            self.bare_number();
            CompactFormatter.$method(writer, value)
        }
    )*};
}

impl Formatter for LegacyKeys {
    bare_integer_keys!(
        write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64, write_i128: i128,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_u128: u128
    );

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.key = KeyState::Pending;
        CompactFormatter.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.key = KeyState::Outside;
        Ok(())
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        match self.key {
            KeyState::Pending => Ok(()),
            _ => writer.write_all(b"\""),
        }
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        match self.key {
            // An empty string key: nothing was written between the quotes.
            KeyState::Pending => {
                self.key = KeyState::Quoted;
                writer.write_all(b"\"\"")
            }
            KeyState::Bare => Ok(()),
            KeyState::Quoted | KeyState::Outside => writer.write_all(b"\""),
        }
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        self.open_quote(writer)?;
        writer.write_all(fragment.as_bytes())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: serde_json::ser::CharEscape,
    ) -> io::Result<()> {
        self.open_quote(writer)?;
        CompactFormatter.write_char_escape(writer, char_escape)
    }

    fn write_bool<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: bool) -> io::Result<()> {
        self.open_quote(writer)?;
        CompactFormatter.write_bool(writer, value)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(rename = "brokerAddrs")]
        broker_addrs: BTreeMap<i64, String>,
        names: BTreeMap<String, String>,
    }

    fn sample() -> Sample {
        Sample {
            broker_addrs: [(0, "10.0.0.1:10911".into()), (1, "10.0.0.2:10911".into())].into(),
            names: [("7".into(), "seven".into()), ("".into(), "empty".into())].into(),
        }
    }

    #[test]
    fn standard_keys_are_quoted() {
        assert_eq!(
            String::from_utf8(to_vec(&sample(), KeyStyle::Standard)).unwrap(),
            r#"{"brokerAddrs":{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"},"names":{"":"empty","7":"seven"}}"#
        );
    }

    #[test]
    fn legacy_keys_are_bare_for_numbers_only() {
        assert_eq!(
            String::from_utf8(to_vec(&sample(), KeyStyle::Legacy)).unwrap(),
            r#"{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"names":{"":"empty","7":"seven"}}"#
        );
    }

    #[test]
    fn legacy_keys_escape_string_keys() {
        let map: BTreeMap<String, i32> = [("a\"b".to_owned(), 1)].into();
        assert_eq!(to_vec(&map, KeyStyle::Legacy), br#"{"a\"b":1}"#);
    }

    #[test]
    fn both_forms_read_back() {
        for style in [KeyStyle::Standard, KeyStyle::Legacy] {
            let back: Sample = from_slice(&to_vec(&sample(), style)).unwrap();
            assert_eq!(back, sample());
        }
    }

    #[test]
    fn bare_keys_inside_strings_and_arrays_are_left_alone() {
        let input = br#"{"a":"{0:1}",b:[1,2,{3:"x, y:"}], -4 : true}"#;
        assert_eq!(
            quote_bare_keys(input).unwrap(),
            br#"{"a":"{0:1}","b":[1,2,{"3":"x, y:"}], "-4" : true}"#
        );
        assert_eq!(quote_bare_keys(br#"{"a":[1,2]}"#), None);
    }

    #[test]
    fn a_real_error_is_kept() {
        let error = from_slice::<Sample>(b"{\"brokerAddrs\":").unwrap_err();
        assert!(error.is_eof());
    }
}
