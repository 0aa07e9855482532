//! The `ferrymq-broker` binary as a real process.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use ferrymq_remoting::client::RemotingClient;
use tokio::net::TcpListener;

async fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn print_config_shows_the_effective_settings() {
    let output = Command::new(env!("CARGO_BIN_EXE_ferrymq-broker"))
        .args([
            "-p",
            "-n",
            "127.0.0.1:9876",
            "--broker-name",
            "b1",
            "-D",
            "deleteWhen=04",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for line in [
        "brokerName=b1\n",
        "namesrvAddr=127.0.0.1:9876\n",
        "listenPort=10911\n",
        "deleteWhen=04\n",
        "brokerIP1=127.0.0.1\n",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_ferrymq-broker"))
        .args(["-p", "-D", "listenPort=x"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("listenPort"));
}

#[tokio::test]
async fn a_killed_broker_leaves_the_routes_and_a_stopped_one_unregisters() {
    let (_ns, ns_addr) = start_namesrv().await;
    let client = RemotingClient::default();
    for signal in ["KILL", "TERM"] {
        let port = free_port().await;
        let store = temp_dir("process");
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferrymq-broker"))
            .args([
                "-n",
                &ns_addr,
                "--broker-name",
                "proc-broker",
                "--listen-port",
                &port.to_string(),
            ])
            .arg("--store-path")
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        eventually(
            "the broker process registers",
            Duration::from_secs(10),
            async || route(&client, &ns_addr, "proc-broker").await.is_some(),
        )
        .await;
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        // The name server drops the broker when its connection closes (kill -9)
        // or when it unregisters (SIGTERM); either way, well within the timeout.
        eventually("the routes are gone", Duration::from_secs(5), async || {
            route(&client, &ns_addr, "proc-broker").await.is_none()
        })
        .await;
        if signal == "TERM" {
            assert!(exit.success(), "a clean shutdown exits 0: {exit:?}");
        }
        assert!(
            store.join("config/topics.json").exists(),
            "the topic table was saved"
        );
    }
}
