//! Crash-safe replacement of small state files (KV config, topic config).
//!
//! A file is never written in place. The new content goes to a temporary
//! file beside it, which is flushed to disk and then renamed over the old
//! one, so a crash at any moment leaves either the old or the new version.
//! The previous version is kept as `<name>.bak`, as the Java daemons do.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
    fn creates_missing_directories() {
        let dir = temp_dir("mkdir");
        let path = dir.join("a/b/topics.json");
        write_atomically(&path, b"{}").unwrap();
        assert_eq!(read_if_exists(&path).unwrap().as_deref(), Some(&b"{}"[..]));
        assert_eq!(read_if_exists(&dir.join("none")).unwrap(), None);
        fs::remove_dir_all(dir).unwrap();
    }
}
