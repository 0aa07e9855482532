//! Daemon settings under the Java configuration keys users already type.
//!
//! [`config_struct!`](crate::config_struct) declares a settings struct whose
//! fields are set by key from a properties file, a request body or a flag,
//! and listed back as `key=value` pairs, as the Java daemons' `-p` option
//! and config requests do.

use std::path::PathBuf;

/// A type a setting can have.
pub trait ConfigValue: Sized {
    /// Parses the text form; the error says what was expected.
    fn parse_value(text: &str) -> Result<Self, String>;

    /// The text form.
    fn render_value(&self) -> String;
}

impl ConfigValue for String {
    fn parse_value(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }

    fn render_value(&self) -> String {
        self.clone()
    }
}

impl ConfigValue for PathBuf {
    fn parse_value(text: &str) -> Result<Self, String> {
        Ok(PathBuf::from(text))
    }

    fn render_value(&self) -> String {
        self.display().to_string()
    }
}

impl ConfigValue for bool {
    fn parse_value(text: &str) -> Result<Self, String> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(true),
            t if t.eq_ignore_ascii_case("false") => Ok(false),
            _ => Err("true or false".to_owned()),
        }
    }

    fn render_value(&self) -> String {
        self.to_string()
    }
}

macro_rules! integer_config_value {
    ($($ty:ty),*) => {$(
        impl ConfigValue for $ty {
            fn parse_value(text: &str) -> Result<Self, String> {
                text.trim().parse().map_err(|_| {
                    format!("an integer from {} to {}", <$ty>::MIN, <$ty>::MAX)
                })
            }

            fn render_value(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

integer_config_value!(i32, i64, u16, u32, u64, usize);

/// A setting that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value {value:?} for {key}: expected {expected}")]
pub struct ConfigError {
    /// The setting's key.
    pub key: String,
    /// The rejected value.
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
}

/// Declares a settings struct keyed by Java configuration names.
///
/// ```
/// ferrymq_remoting::config_struct! {
///     /// Example settings.
///     pub struct Example {
///         /// The port.
///         listen_port: u16 = "listenPort", default 9876;
///         /// A flag.
///         enable_thing: bool = "enableThing", default false;
///     }
/// }
///
/// let mut example = Example::default();
/// assert_eq!(example.set("listenPort", "9877"), Ok(true));
/// assert_eq!(example.set("unknownKey", "1"), Ok(false));
/// assert!(example.set("enableThing", "maybe").is_err());
/// assert_eq!(example.get("listenPort").as_deref(), Some("9877"));
/// assert_eq!(example.items()[0], ("enableThing", "false".to_owned()));
/// ```
#[macro_export]
macro_rules! config_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field:ident : $ty:ty = $key:literal, default $default:expr;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Every key this struct knows.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// Sets a setting by key. Returns `Ok(false)` for a key this
            /// struct does not know, which callers may keep or ignore.
            pub fn set(&mut self, key: &str, value: &str) -> Result<bool, $crate::config::ConfigError> {
                match key {
                    $(
                        $key => {
                            self.$field = <$ty as $crate::config::ConfigValue>::parse_value(value)
                                .map_err(|expected| $crate::config::ConfigError {
                                    key: key.to_owned(),
                                    value: value.to_owned(),
                                    expected,
                                })?;
                            Ok(true)
                        }
                    )*
                    _ => Ok(false),
                }
            }

            /// A setting's value by key.
            pub fn get(&self, key: &str) -> Option<String> {
                match key {
                    $( $key => Some($crate::config::ConfigValue::render_value(&self.$field)), )*
                    _ => None,
                }
            }

            /// Every setting as `(key, value)`, sorted by key.
            pub fn items(&self) -> Vec<(&'static str, String)> {
                let mut items = vec![
                    $( ($key, $crate::config::ConfigValue::render_value(&self.$field)), )*
                ];
                items.sort_by(|a, b| a.0.cmp(b.0));
                items
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_and_render() {
        assert_eq!(bool::parse_value("TRUE"), Ok(true));
        assert!(bool::parse_value("yes").is_err());
        assert_eq!(u16::parse_value(" 9876 "), Ok(9876));
        assert!(u16::parse_value("70000").is_err());
        assert_eq!(i64::parse_value("-5").unwrap().render_value(), "-5");
        assert_eq!(PathBuf::parse_value("/a/b").unwrap().render_value(), "/a/b");
    }
}
