//! Crash-safe replacement of small state files (KV config, topic config).
//!
//! A file is never written in place. The new content goes to a temporary
//! file beside it, which is flushed to disk and then renamed over the old
//! one, so a crash at any moment leaves either the old or the new version.
//! The previous version is kept as `<name>.bak`, as the Java daemons do.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::json::{self, KeyStyle};

/// A JSON state file that could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    /// Reading or writing the file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: io::Error,
    },
    /// The file exists but does not hold what it should. Startup stops
    /// here rather than replace it, which would lose an operator's state.
    #[error(
        "{path} is not a valid {what} file (fix or remove it; the previous version may be in {path}.bak): {source}"
    )]
    Corrupt {
        /// What the file should hold, e.g. "KV config".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// Reads a JSON state file written by ferrymq or a Java daemon (whose
/// files may have unquoted keys), or `None` when it does not exist. `what`
/// names the file's content in errors.
pub fn load_json<T: DeserializeOwned>(
    path: &Path,
    what: &'static str,
) -> Result<Option<T>, StateFileError> {
    let bytes = read_if_exists(path).map_err(|source| StateFileError::Io {
        action: "reading",
        path: path.to_owned(),
        source,
    })?;
    bytes
        .map(|bytes| {
            json::from_slice(&bytes).map_err(|source| StateFileError::Corrupt {
                what,
                path: path.to_owned(),
                source,
            })
        })
        .transpose()
}

/// Serializes a state file's content; call it under the table's read
/// lock, then [`save`] after releasing it, so no lock is held during fsync.
pub fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    json::to_vec(value, KeyStyle::Standard)
}

/// Saves a state file's content with [`write_atomically`].
pub fn save(path: &Path, content: &[u8]) -> Result<(), StateFileError> {
    write_atomically(path, content).map_err(|source| StateFileError::Io {
        action: "writing",
        path: path.to_owned(),
        source,
    })
}

/// Replaces `path` with `content` atomically, keeping the old file as `.bak`.
pub fn write_atomically(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let tmp = sibling(path, "tmp");
    {
        let mut file = File::create(&tmp)?;
        file.write_all(content)?;
        file.sync_all()?;
    }
    if path.exists() {
        // A hard link keeps the old version without a window where `path`
        // is missing; a copy is the fallback where links are not allowed.
        let backup = sibling(path, "bak");
        let _ = fs::remove_file(&backup);
        if fs::hard_link(path, &backup).is_err() {
            fs::copy(path, &backup)?;
        }
    }
    fs::rename(&tmp, path)?;
    // The rename is durable only once the directory entry is on disk.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Reads `path`, or `None` when it does not exist.
pub fn read_if_exists(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(content) => Ok(Some(content)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// `path` with `.suffix` appended to its file name.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ferrymq-persist-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn keeps_the_previous_version_as_bak() {
        let dir = temp_dir("bak");
        let path = dir.join("kvConfig.json");
        write_atomically(&path, b"one").unwrap();
        assert!(!sibling(&path, "bak").exists());
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read(sibling(&path, "bak")).unwrap(), b"one");
        assert!(!sibling(&path, "tmp").exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn json_state_round_trips_and_a_corrupt_file_is_an_error() {
        let dir = temp_dir("json");
        let path = dir.join("state.json");
        let none: Option<Vec<u32>> = load_json(&path, "test").unwrap();
        assert_eq!(none, None);
        save(&path, &to_json(&vec![1u32, 2])).unwrap();
        assert_eq!(
            load_json::<Vec<u32>>(&path, "test").unwrap(),
            Some(vec![1, 2])
        );
        fs::write(&path, b"{not json").unwrap();
        let error = load_json::<Vec<u32>>(&path, "test").unwrap_err();
        assert!(matches!(
            error,
            StateFileError::Corrupt { what: "test", .. }
        ));
        assert!(
            error.to_string().contains("is not a valid test file"),
            "{error}"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn creates_missing_directories() {
        let dir = temp_dir("mkdir");
        let path = dir.join("a/b/topics.json");
        write_atomically(&path, b"{}").unwrap();
        assert_eq!(read_if_exists(&path).unwrap().as_deref(), Some(&b"{}"[..]));
        assert_eq!(read_if_exists(&dir.join("none")).unwrap(), None);
        fs::remove_dir_all(dir).unwrap();
    }
}
