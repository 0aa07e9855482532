//! Daemon settings under the Java configuration keys users already type.
//!
//! [`config_struct!`](crate::config_struct) declares a settings struct whose
//! fields are set by key from a properties file, a request body or a flag,
//! and listed back as `key=value` pairs, as the Java daemons' `-p` option
//! and config requests do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::protocol::properties::{self, PropertiesError};

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

/// A `-c` properties file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not properties text.
    #[error("config file {path}, {source}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Where and why.
        source: PropertiesError,
    },
}

/// The `key=value` pairs of a properties file, in file order.
pub fn read_properties_file(path: &Path) -> Result<Vec<(String, String)>, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    properties::parse(&text).map_err(|source| ConfigFileError::Syntax {
        path: path.to_owned(),
        source,
    })
}

/// Known settings and kept unknown keys together as sorted `key=value`
/// lines; a known key wins over an unknown one of the same name.
pub fn render_properties(
    extra: &BTreeMap<String, String>,
    known: Vec<(&'static str, String)>,
) -> String {
    let mut items: BTreeMap<&str, String> = extra
        .iter()
        .map(|(key, value)| (key.as_str(), value.clone()))
        .collect();
    items.extend(known);
    properties::format(items.iter().map(|(key, value)| (*key, value.as_str())))
}

/// The first of `keys` a runtime config update must refuse: one of
/// `always`, or one listed in the `;`-separated `configured` blacklist.
pub fn first_blacklisted<'a>(
    always: &[&str],
    configured: &str,
    mut keys: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let listed: Vec<&str> = configured.split(';').map(str::trim).collect();
    keys.find(|key| always.contains(key) || listed.contains(key))
}

/// Parses a `-D KEY=VALUE` command-line setting.
pub fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
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

    #[test]
    fn settings_from_the_command_line() {
        assert_eq!(
            parse_setting(" listenPort =9877"),
            Ok(("listenPort".to_owned(), "9877".to_owned()))
        );
        assert_eq!(
            parse_setting("a=b=c"),
            Ok(("a".to_owned(), "b=c".to_owned()))
        );
        assert!(parse_setting("listenPort").is_err());
        assert!(parse_setting("=1").is_err());
    }

    #[test]
    fn blacklists_combine_fixed_and_configured_keys() {
        let always = ["kvConfigPath"];
        let configured = "configBlackList; listenPort";
        let first =
            |keys: &[&'static str]| first_blacklisted(&always, configured, keys.iter().copied());
        assert_eq!(first(&["orderMessageEnable"]), None);
        assert_eq!(
            first(&["orderMessageEnable", "listenPort"]),
            Some("listenPort")
        );
        assert_eq!(first(&["kvConfigPath"]), Some("kvConfigPath"));
    }

    #[test]
    fn known_settings_win_over_kept_ones_when_rendered() {
        let extra = BTreeMap::from([
            ("zeta".to_owned(), "1".to_owned()),
            ("listenPort".to_owned(), "stale".to_owned()),
        ]);
        let text = render_properties(&extra, vec![("listenPort", "9876".to_owned())]);
        assert_eq!(text, "listenPort=9876\nzeta=1\n");
    }

    #[test]
    fn an_unreadable_file_is_a_read_error() {
        let missing = read_properties_file(Path::new("/nonexistent/ferrymq.properties"));
        assert!(matches!(missing, Err(ConfigFileError::Read { .. })));
    }
}
