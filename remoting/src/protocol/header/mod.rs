//! Typed custom headers, converted to and from a command's `extFields`.
//!
//! Every value travels as a string. Reading follows the Java decoder: a
//! required field that is missing or unparsable is an error (the Java server
//! answers SYSTEM_ERROR), an optional field that does not parse is treated as
//! absent, and a boolean is true only for `true` in any case.

use thiserror::Error;

use super::command::ExtFields;

mod broker;
mod namesrv;

pub use broker::*;
pub use namesrv::*;

/// A header that can be written into and read from `extFields`.
pub trait CommandHeader: Sized {
    /// Writes every present field as a string.
    fn write_to(&self, ext: &mut ExtFields);

    /// Reads the header, failing on a missing or invalid required field.
    fn read_from(ext: &ExtFields) -> Result<Self, HeaderError>;
}

/// Why a custom header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeaderError {
    /// A required field is absent. Worded as the Java decoder words it.
    #[error("the custom field <{0}> is null")]
    Missing(&'static str),
    /// A required field does not parse as its type.
    #[error("the custom field <{field}> is not a valid {expected}: {value:?}")]
    Invalid {
        /// The field's wire name.
        field: &'static str,
        /// The type it should have.
        expected: &'static str,
        /// What was sent.
        value: String,
    },
}

/// A type a header field can have.
pub trait HeaderValue: Sized {
    /// The type's name in error messages.
    const KIND: &'static str;

    /// Parses the wire string.
    fn parse(text: &str) -> Option<Self>;

    /// The wire string.
    fn render(&self) -> String;
}

impl HeaderValue for String {
    const KIND: &'static str = "string";

    fn parse(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn render(&self) -> String {
        self.clone()
    }
}

impl HeaderValue for bool {
    const KIND: &'static str = "boolean";

    fn parse(text: &str) -> Option<Self> {
        Some(text.eq_ignore_ascii_case("true"))
    }

    fn render(&self) -> String {
        self.to_string()
    }
}

macro_rules! integer_header_value {
    ($($ty:ty => $kind:literal),*) => {$(
        impl HeaderValue for $ty {
            const KIND: &'static str = $kind;

            fn parse(text: &str) -> Option<Self> {
                text.parse().ok()
            }

            fn render(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

integer_header_value!(i32 => "integer", i64 => "long integer");

/// Reads a required field.
pub fn read_required<T: HeaderValue>(ext: &ExtFields, key: &'static str) -> Result<T, HeaderError> {
    let text = ext.get(key).ok_or(HeaderError::Missing(key))?;
    T::parse(text).ok_or_else(|| HeaderError::Invalid {
        field: key,
        expected: T::KIND,
        value: text.clone(),
    })
}

/// Reads an optional field; a value that does not parse counts as absent.
pub fn read_optional<T: HeaderValue>(ext: &ExtFields, key: &str) -> Option<T> {
    ext.get(key).and_then(|text| T::parse(text))
}

/// Declares a header struct and its `extFields` conversion.
///
/// Each field is `name: Type = "wireName", kind;` where kind is `required`,
/// `optional` (the type is an `Option`), or `default <expr>`.
macro_rules! command_header {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field:ident : $ty:ty = $key:literal, $kind:ident $($default:expr)?;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $(
                #[doc = concat!("Wire field `", $key, "`.")]
                $(#[$field_meta])*
                pub $field: $ty,
            )*
        }

        impl $crate::protocol::header::CommandHeader for $name {
            fn write_to(&self, ext: &mut $crate::protocol::ExtFields) {
                $( command_header!(@write $kind, self.$field, ext, $key); )*
            }

            fn read_from(
                ext: &$crate::protocol::ExtFields,
            ) -> Result<Self, $crate::protocol::header::HeaderError> {
                Ok($name {
                    $( $field: command_header!(@read $kind, ext, $key $(, $default)?), )*
                })
            }
        }
    };
    (@write required, $value:expr, $ext:ident, $key:literal) => {
        $ext.insert($key.to_owned(), $crate::protocol::header::HeaderValue::render(&$value));
    };
    (@write default, $value:expr, $ext:ident, $key:literal) => {
        $ext.insert($key.to_owned(), $crate::protocol::header::HeaderValue::render(&$value));
    };
    (@write optional, $value:expr, $ext:ident, $key:literal) => {
        if let Some(value) = &$value {
            $ext.insert($key.to_owned(), $crate::protocol::header::HeaderValue::render(value));
        }
    };
    (@read required, $ext:ident, $key:literal) => {
        $crate::protocol::header::read_required($ext, $key)?
    };
    (@read optional, $ext:ident, $key:literal) => {
        $crate::protocol::header::read_optional($ext, $key)
    };
    (@read default, $ext:ident, $key:literal, $default:expr) => {
        $crate::protocol::header::read_optional($ext, $key).unwrap_or($default)
    };
}

pub(crate) use command_header;

#[cfg(test)]
#[allow(unreachable_pub)]
mod tests {
    use super::*;

    command_header! {
        /// A header exercising every kind of field.
        pub struct Sample {
            name: String = "name", required;
            id: i64 = "id", required;
            timeout: Option<i64> = "timeout", optional;
            flag: Option<bool> = "flag", optional;
            crc: i32 = "crc", default 0;
        }
    }

    fn ext(pairs: &[(&str, &str)]) -> ExtFields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_every_kind_of_field() {
        let header: Sample =
            Sample::read_from(&ext(&[("name", "b"), ("id", "7"), ("flag", "TRUE")])).unwrap();
        assert_eq!(
            header,
            Sample {
                name: "b".into(),
                id: 7,
                timeout: None,
                flag: Some(true),
                crc: 0
            }
        );
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let err = Sample::read_from(&ext(&[("id", "7")])).unwrap_err();
        assert_eq!(err, HeaderError::Missing("name"));
        assert_eq!(err.to_string(), "the custom field <name> is null");
    }

    #[test]
    fn an_invalid_required_number_is_an_error() {
        let err = Sample::read_from(&ext(&[("name", "b"), ("id", "x")])).unwrap_err();
        assert!(
            matches!(err, HeaderError::Invalid { field: "id", .. }),
            "{err}"
        );
    }

    #[test]
    fn an_invalid_optional_number_is_ignored() {
        let header =
            Sample::read_from(&ext(&[("name", "b"), ("id", "1"), ("timeout", "soon")])).unwrap();
        assert_eq!(header.timeout, None);
    }

    #[test]
    fn booleans_other_than_true_are_false() {
        let header =
            Sample::read_from(&ext(&[("name", "b"), ("id", "1"), ("flag", "yes")])).unwrap();
        assert_eq!(header.flag, Some(false));
    }

    #[test]
    fn writing_skips_absent_optionals() {
        let mut out = ExtFields::new();
        Sample {
            name: "b".into(),
            id: 2,
            timeout: None,
            flag: Some(false),
            crc: 5,
        }
        .write_to(&mut out);
        assert_eq!(
            out,
            ext(&[("name", "b"), ("id", "2"), ("flag", "false"), ("crc", "5")])
        );
    }
}
