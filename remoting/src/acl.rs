//! Access control compatible with RocketMQ's ACL signing.
//!
//! A client signs a request by adding its `AccessKey`, then a `Signature`
//! ext field: the Base64 HMAC-SHA1, keyed with its secret, of every other
//! ext field's value in key order followed by the body. The Java admin, the
//! C++ client and ali-ons all sign this way, so a server can check requests
//! from any of them against its accounts.
//!
//! Accounts live in a JSON file with the field names of RocketMQ's
//! `plain_acl.yml`, re-read when it changes. As in the Java ACL, requests
//! from `globalWhiteRemoteAddresses`, or naming an account from one of its
//! `whiteRemoteAddress` addresses, need no signature:
//!
//! ```json
//! {
//!   "globalWhiteRemoteAddresses": ["10.0.0.*"],
//!   "accounts": [
//!     {"accessKey": "RocketMQ", "secretKey": "12345678", "admin": true},
//!     {"accessKey": "reader", "secretKey": "87654321", "whiteRemoteAddress": "192.168.1.*"}
//!   ]
//! }
//! ```

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use parking_lot::RwLock;
use serde::Deserialize;
use sha1::Sha1;
use tracing::{info, warn};

use crate::protocol::{ExtFields, RemotingCommand};

/// The ext field naming the signing account.
pub const ACCESS_KEY: &str = "AccessKey";
/// The ext field carrying the signature.
pub const SIGNATURE: &str = "Signature";

/// The signature of a request's ext fields and body with `secret`.
pub fn signature(ext: &ExtFields, body: &[u8], secret: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    for (key, value) in ext {
        if key != SIGNATURE {
            mac.update(value.as_bytes());
        }
    }
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// An account's key pair, for signing requests.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The account's public name.
    pub access_key: String,
    /// The account's secret.
    pub secret_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Signs `command` in place, as RocketMQ clients do.
    pub fn sign(&self, command: &mut RemotingCommand) {
        command
            .ext_fields
            .insert(ACCESS_KEY.to_owned(), self.access_key.clone());
        command.ext_fields.remove(SIGNATURE);
        let signature = signature(&command.ext_fields, &command.body, &self.secret_key);
        command.ext_fields.insert(SIGNATURE.to_owned(), signature);
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    access_key: String,
    secret_key: String,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    white_remote_address: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AclFile {
    #[serde(default)]
    global_white_remote_addresses: Vec<String>,
    #[serde(default)]
    accounts: Vec<Account>,
}

/// Why an ACL file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AclError {
    /// The file could not be read.
    #[error("cannot read ACL file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not an ACL file.
    #[error("invalid ACL file {path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// What a request needs to be let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// A valid signature of an admin account: requests that change state.
    Admin,
    /// A valid signature of any account.
    Account,
}

/// The accounts of a server, re-read from their file when it changes.
#[derive(Debug)]
pub struct AccessControl {
    path: PathBuf,
    accounts: RwLock<AclFile>,
    modified: RwLock<Option<SystemTime>>,
    /// When the file was last looked at, in milliseconds since the epoch.
    last_check: AtomicU64,
}

/// How often the file is looked at for changes.
const RELOAD_CHECK: Duration = Duration::from_secs(1);

impl AccessControl {
    /// Loads the accounts in `path`. A missing or invalid file is an error:
    /// access control that silently lets everything through would be worse.
    pub fn load(path: &Path) -> Result<Self, AclError> {
        let (file, modified) = read(path)?;
        info!(path = %path.display(), accounts = file.accounts.len(), "access control enabled");
        Ok(AccessControl {
            path: path.to_owned(),
            accounts: RwLock::new(file),
            modified: RwLock::new(modified),
            last_check: AtomicU64::new(now_millis()),
        })
    }

    /// Re-reads the file if it changed since it was last read. A file that
    /// became invalid is reported and the accounts in force are kept.
    pub fn reload_if_changed(&self) {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        if modified == *self.modified.read() {
            return;
        }
        match read(&self.path) {
            Ok((file, modified)) => {
                info!(path = %self.path.display(), accounts = file.accounts.len(), "ACL file reloaded");
                *self.accounts.write() = file;
                *self.modified.write() = modified;
            }
            Err(error) => {
                warn!(%error, "ACL file not reloaded; the previous accounts stay in force");
                *self.modified.write() = modified;
            }
        }
    }

    /// Checks a request from `peer`. `Err` carries the NO_PERMISSION remark.
    pub fn check(
        &self,
        request: &RemotingCommand,
        peer: IpAddr,
        needs: Needs,
    ) -> Result<(), String> {
        let now = now_millis();
        let last = self.last_check.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= RELOAD_CHECK.as_millis() as u64
            && self
                .last_check
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.reload_if_changed();
        }
        let acl = self.accounts.read();
        if acl
            .global_white_remote_addresses
            .iter()
            .any(|pattern| address_matches(pattern, peer))
        {
            return Ok(());
        }
        let access_key = request
            .ext(ACCESS_KEY)
            .filter(|key| !key.is_empty())
            .ok_or("No accessKey is configured")?;
        let account = acl
            .accounts
            .iter()
            .find(|account| account.access_key == access_key)
            .ok_or_else(|| format!("No acl config for {access_key}"))?;
        // As in the Java ACL: a request from an account's own addresses
        // needs no signature.
        let pattern = account
            .white_remote_address
            .as_deref()
            .filter(|p| !p.is_empty());
        if pattern.is_some_and(|pattern| address_matches(pattern, peer)) {
            return Ok(());
        }
        let sent = request.ext(SIGNATURE).unwrap_or_default();
        if signature(&request.ext_fields, &request.body, &account.secret_key) != sent {
            return Err(format!("Check signature failed for accessKey={access_key}"));
        }
        if needs == Needs::Admin && !account.admin {
            return Err(format!(
                "{access_key} is not an admin account; this request needs one"
            ));
        }
        Ok(())
    }
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn read(path: &Path) -> Result<(AclFile, Option<SystemTime>), AclError> {
    let text = std::fs::read_to_string(path).map_err(|source| AclError::Read {
        path: path.to_owned(),
        source,
    })?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let file: AclFile = serde_json::from_str(&text).map_err(|error| AclError::Invalid {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    if let Some(account) = file
        .accounts
        .iter()
        .find(|a| a.access_key.is_empty() || a.secret_key.is_empty())
    {
        let reason = format!(
            "account {:?} needs both accessKey and secretKey",
            account.access_key
        );
        return Err(AclError::Invalid {
            path: path.to_owned(),
            reason,
        });
    }
    Ok((file, modified))
}

/// Whether `peer` matches a RocketMQ address pattern: `*`, an exact address,
/// or IPv4 octets that are numbers, `*`, or ranges like `1-100`; several
/// patterns may be given separated by commas.
pub fn address_matches(pattern: &str, peer: IpAddr) -> bool {
    pattern.split(',').map(str::trim).any(|pattern| {
        if pattern == "*" {
            return true;
        }
        if let Ok(exact) = pattern.parse::<IpAddr>() {
            return exact == peer;
        }
        let IpAddr::V4(peer) = peer else { return false };
        let parts: Vec<&str> = pattern.split('.').collect();
        parts.len() == 4
            && parts
                .iter()
                .zip(peer.octets())
                .all(|(part, octet)| match part.split_once('-') {
                    _ if *part == "*" => true,
                    Some((low, high)) => match (low.parse::<u8>(), high.parse::<u8>()) {
                        (Ok(low), Ok(high)) => (low..=high).contains(&octet),
                        _ => false,
                    },
                    None => part.parse::<u8>() == Ok(octet),
                })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(pairs: &[(&str, &str)]) -> ExtFields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn signatures_match_what_real_clients_sent() {
        // mqadmin 4.9.8 with account rocketmq2 (secret 12345678), from the captures.
        assert_eq!(
            signature(&ext(&[("AccessKey", "rocketmq2")]), b"", "12345678"),
            "Ou1T58RIcyZWaTIwzkhJZWn/Zvs="
        );
        assert_eq!(
            signature(
                &ext(&[
                    ("AccessKey", "rocketmq2"),
                    ("topic", "TBW102"),
                    ("Signature", "ignored")
                ]),
                b"",
                "12345678"
            ),
            "/u5P/wZUbhjanu4LM/UzEdo2u2I="
        );
        // The C++ client signs with an empty key when it has no credentials.
        assert_eq!(
            signature(
                &ext(&[("AccessKey", ""), ("OnsChannel", "ALIYUN"), ("topic", "T1")]),
                b"",
                ""
            ),
            "LhzDrtB/k0z12a6eQehZG2eEYEA="
        );
    }

    #[test]
    fn signed_requests_verify() {
        let dir = std::env::temp_dir().join(format!("ferrymq-acl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("acl.json");
        std::fs::write(
            &path,
            r#"{"accounts":[{"accessKey":"admin","secretKey":"s3cret","admin":true},{"accessKey":"reader","secretKey":"r","whiteRemoteAddress":"10.0.0.*"}]}"#,
        )
        .unwrap();
        let acl = AccessControl::load(&path).unwrap();
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let mut request = RemotingCommand::request(100)
            .with_ext("namespace", "n")
            .with_body(&b"x"[..]);
        assert_eq!(
            acl.check(&request, local, Needs::Admin),
            Err("No accessKey is configured".into())
        );
        Credentials {
            access_key: "admin".into(),
            secret_key: "s3cret".into(),
        }
        .sign(&mut request);
        assert_eq!(acl.check(&request, local, Needs::Admin), Ok(()));
        request
            .ext_fields
            .insert("namespace".into(), "tampered".into());
        assert!(
            acl.check(&request, local, Needs::Admin)
                .unwrap_err()
                .contains("Check signature failed")
        );

        let mut read = RemotingCommand::request(105).with_ext("topic", "t");
        Credentials {
            access_key: "reader".into(),
            secret_key: "r".into(),
        }
        .sign(&mut read);
        assert_eq!(acl.check(&read, local, Needs::Account), Ok(()));
        assert!(
            acl.check(&read, local, Needs::Admin)
                .unwrap_err()
                .contains("not an admin")
        );
        // From the account's own addresses no signature is needed, as in Java.
        let mut unsigned = RemotingCommand::request(105).with_ext("AccessKey", "reader");
        assert_eq!(
            acl.check(&unsigned, "10.0.0.7".parse().unwrap(), Needs::Admin),
            Ok(())
        );
        unsigned
            .ext_fields
            .insert("Signature".into(), "bogus".into());
        assert!(
            acl.check(&unsigned, local, Needs::Account)
                .unwrap_err()
                .contains("Check signature failed")
        );
        let mut unknown = RemotingCommand::request(105);
        Credentials {
            access_key: "nobody".into(),
            secret_key: "x".into(),
        }
        .sign(&mut unknown);
        assert_eq!(
            acl.check(&unknown, local, Needs::Account),
            Err("No acl config for nobody".into())
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn address_patterns() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(address_matches("*", ip("1.2.3.4")));
        assert!(address_matches("192.168.0.*", ip("192.168.0.9")));
        assert!(!address_matches("192.168.0.*", ip("192.168.1.9")));
        assert!(address_matches("192.168.1-10.5", ip("192.168.7.5")));
        assert!(!address_matches("192.168.1-10.5", ip("192.168.11.5")));
        assert!(address_matches("10.0.0.1, 10.0.0.2", ip("10.0.0.2")));
        assert!(address_matches("::1", ip("::1")));
        assert!(!address_matches("not an address", ip("10.0.0.2")));
    }
}
