//! How daemons learn they should stop.

use std::io;

use tokio::signal::unix::{SignalKind, signal};

/// Resolves when the process is asked to stop, by SIGINT (Ctrl-C) or
/// SIGTERM (what service managers and `kill` send).
///
/// Fails only if the signal handlers cannot be installed; a daemon should
/// then stop rather than run on with no clean way to end it.
pub async fn shutdown_signal() -> io::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}
