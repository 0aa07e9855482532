//! The JSON header (serialize type 0).
//!
//! Reading is lenient, as fastjson is: missing fields and `null` take their
//! defaults, unknown keys are ignored, numbers may arrive as strings, and
//! `extFields` values may be numbers or booleans (the C++ and Node clients
//! send them so). Writing is strict: compact, keys sorted, every extFields
//! value a string (the Go client decodes them into `map[string]string`).

use std::fmt;

use bytes::{BufMut, BytesMut};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::DecodeError;
use crate::protocol::command::{ExtFields, LanguageCode, RemotingCommand};

#[derive(Deserialize)]
struct WireHeader {
    #[serde(default, deserialize_with = "lenient_i32")]
    code: i32,
    #[serde(default, deserialize_with = "lenient_language")]
    language: LanguageCode,
    #[serde(default, deserialize_with = "lenient_i32")]
    version: i32,
    #[serde(default, deserialize_with = "lenient_i32")]
    opaque: i32,
    #[serde(default, deserialize_with = "lenient_i32")]
    flag: i32,
    #[serde(default, deserialize_with = "lenient_string")]
    remark: Option<String>,
    #[serde(default, rename = "extFields", deserialize_with = "lenient_ext")]
    ext_fields: ExtFields,
}

pub(super) fn decode(header: &[u8]) -> Result<RemotingCommand, DecodeError> {
    match super::json_fast::decode(header) {
        Some(command) => Ok(command),
        None => decode_serde(header),
    }
}

/// The complete reader, for every header the fast one gives up on.
pub(super) fn decode_serde(header: &[u8]) -> Result<RemotingCommand, DecodeError> {
    // serde would also accept a JSON array for a struct; a header never is one.
    if header.trim_ascii_start().first() != Some(&b'{') {
        return Err(DecodeError::JsonNotObject);
    }
    let wire: WireHeader = serde_json::from_slice(header)?;
    Ok(RemotingCommand {
        code: wire.code,
        language: wire.language,
        version: wire.version,
        opaque: wire.opaque,
        flag: wire.flag,
        remark: wire.remark,
        ext_fields: wire.ext_fields,
        ..Default::default()
    })
}

pub(super) fn encode(command: &RemotingCommand, dst: &mut BytesMut) {
    dst.put_slice(b"{\"code\":");
    put_int(dst, command.code);
    if !command.ext_fields.is_empty() {
        dst.put_slice(b",\"extFields\":{");
        for (i, (key, value)) in command.ext_fields.iter().enumerate() {
            if i > 0 {
                dst.put_u8(b',');
            }
            put_str(dst, key);
            dst.put_u8(b':');
            put_str(dst, value);
        }
        dst.put_u8(b'}');
    }
    dst.put_slice(b",\"flag\":");
    put_int(dst, command.flag);
    dst.put_slice(b",\"language\":\"");
    dst.put_slice(command.language.name().as_bytes());
    dst.put_slice(b"\",\"opaque\":");
    put_int(dst, command.opaque);
    if let Some(remark) = &command.remark {
        dst.put_slice(b",\"remark\":");
        put_str(dst, remark);
    }
    dst.put_slice(b",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":");
    put_int(dst, command.version);
    dst.put_u8(b'}');
}

/// Writes a JSON string literal with its escapes.
fn put_str(dst: &mut BytesMut, text: &str) {
    // Writing to memory cannot fail.
    serde_json::to_writer(dst.writer(), text).expect("a string always serializes");
}

fn put_int(dst: &mut BytesMut, value: i32) {
    let mut digits = [0u8; 11];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    dst.put_slice(&digits[at..]);
}

/// A JSON scalar read as the string Java's `toString()` would give.
enum Scalar {
    Null,
    Text(String),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Scalar, E> {
                Ok(Scalar::Text(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Scalar, E> {
                Ok(Scalar::Text(value.to_string()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Scalar, E> {
                Ok(Scalar::Text(value.to_string()))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Scalar, E> {
                Ok(Scalar::Text(value.to_string()))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }

            // A nested value becomes its JSON text, as fastjson would render it.
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
                let value =
                    serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Scalar::Text(value.to_string()))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
                let value =
                    serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Scalar::Text(value.to_string()))
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}

fn lenient_i32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    match Scalar::deserialize(deserializer)? {
        Scalar::Null => Ok(0),
        Scalar::Text(text) => text
            .parse()
            .map_err(|_| de::Error::custom(format!("expected a 32-bit integer, got {text:?}"))),
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Scalar::deserialize(deserializer)? {
        Scalar::Null => None,
        Scalar::Text(text) => Some(text),
    })
}

fn lenient_language<'de, D: Deserializer<'de>>(deserializer: D) -> Result<LanguageCode, D::Error> {
    Ok(match Scalar::deserialize(deserializer)? {
        Scalar::Null => LanguageCode::default(),
        Scalar::Text(text) => match text.parse::<u8>() {
            Ok(code) => LanguageCode::from_code(code),
            Err(_) => LanguageCode::from_name(&text),
        },
    })
}

fn lenient_ext<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ExtFields, D::Error> {
    struct ExtVisitor;

    impl<'de> Visitor<'de> for ExtVisitor {
        type Value = ExtFields;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of header fields")
        }

        fn visit_unit<E: de::Error>(self) -> Result<ExtFields, E> {
            Ok(ExtFields::new())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExtFields, A::Error> {
            let mut ext = ExtFields::new();
            while let Some((key, value)) = map.next_entry::<String, Scalar>()? {
                // A null value is an absent field, as in the Java decoder.
                if let Scalar::Text(text) = value {
                    ext.insert(key, text);
                }
            }
            Ok(ext)
        }
    }

    deserializer.deserialize_any(ExtVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ext_values_of_any_scalar_type_become_strings() {
        let command = decode(
            br#"{"code":310,"extFields":{"d":4,"k":false,"g":1795531637584,"n":null,"s":"x"},"language":"JAVA","version":121}"#,
        )
        .unwrap();
        assert_eq!(command.ext("d"), Some("4"));
        assert_eq!(command.ext("k"), Some("false"));
        assert_eq!(command.ext("g"), Some("1795531637584"));
        assert_eq!(command.ext("n"), None);
        assert_eq!(command.ext("s"), Some("x"));
        assert_eq!(command.opaque, 0);
    }

    #[test]
    fn numbers_as_strings_and_language_ordinals_are_accepted() {
        let command = decode(
            br#"{"code":"105","language":9,"opaque":"7","remark":null,"extFields":null,"x":[1]}"#,
        )
        .unwrap();
        assert_eq!(command.code, 105);
        assert_eq!(command.language, LanguageCode::Go);
        assert_eq!(command.opaque, 7);
        assert_eq!(command.remark, None);
        assert!(command.ext_fields.is_empty());
    }

    #[test]
    fn a_header_of_the_wrong_shape_is_an_error() {
        assert!(decode(br#"{"code":"abc"}"#).is_err());
        assert!(decode(br#"{"code":99999999999}"#).is_err());
        assert!(decode(br#"[1,2]"#).is_err());
        assert!(decode(b"\xff\xfe").is_err());
    }

    #[test]
    fn integers_are_written_exactly() {
        for value in [0, 7, -1, i32::MAX, i32::MIN, 1_000_000] {
            let mut buf = BytesMut::new();
            put_int(&mut buf, value);
            assert_eq!(std::str::from_utf8(&buf).unwrap(), value.to_string());
        }
    }
}
