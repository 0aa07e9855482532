//! `ferrymq-bench` runs every scenario briefly against a local name server
//! and prints its summary. A smoke test: it checks the tool works, not how
//! fast anything is.

use std::process::{Command, Stdio};
use std::time::Duration;

use ferrymq_namesrv::NameServer;
use serde_json::Value;
use tokio::net::TcpListener;

async fn bench(args: Vec<String>) -> Value {
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ferrymq-bench"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    serde_json::from_str(stdout.lines().last().expect("a summary line")).unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_and_summarizes() {
    let mut config = ferrymq_namesrv::config::EffectiveConfig::default();
    config.values.kv_config_path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("smoke-kv-{}.json", std::process::id()));
    config.values.scan_not_active_broker_interval = 100;
    let server = NameServer::start(config, TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let addr = server.local_addr().to_string();
    let pid = std::process::id().to_string();

    let route = bench(args(&[
        "route",
        "--addr",
        &addr,
        "-d",
        "0.5",
        "--warmup",
        "0",
        "-c",
        "2",
        "-p",
        "4",
        "-b",
        "3",
        "--server-pid",
        &pid,
    ]))
    .await;
    assert_eq!(route["scenario"], "route");
    assert!(route["requests"].as_u64().unwrap() > 0, "{route}");
    assert_eq!(route["errors"], 0);
    assert!(route["requests_per_server_cpu_s"].as_f64().unwrap() > 0.0);
    assert!(route["p99_us"].as_u64().unwrap() >= route["p50_us"].as_u64().unwrap());

    let register = bench(args(&[
        "register",
        "--addr",
        &addr,
        "-b",
        "3",
        "-t",
        "20",
        "--repeat",
        "2",
        "--server-pid",
        &pid,
    ]))
    .await;
    for pass in ["first", "unchanged", "changed"] {
        assert_eq!(register["passes"][pass]["registrations"], 6, "{register}");
    }

    let memory = bench(args(&[
        "memory",
        "--addr",
        &addr,
        "-b",
        "2",
        "-t",
        "50",
        "--distinct",
        "--server-pid",
        &pid,
    ]))
    .await;
    assert!(memory["rss_after_mib"].as_f64().unwrap() > 0.0, "{memory}");

    let mixed = bench(args(&[
        "mixed",
        "--addr",
        &addr,
        "-b",
        "3",
        "-t",
        "20",
        "-d",
        "0.5",
        "-c",
        "2",
        "--interval-ms",
        "100",
    ]))
    .await;
    assert!(
        mixed["requests"].as_u64().unwrap() > 0
            && mixed["registrations_per_s"].as_f64().unwrap() > 0.0,
        "{mixed}"
    );

    let eviction = bench(args(&["eviction", "--addr", &addr, "--timeout-ms", "300"])).await;
    let gone = eviction["route_gone_after_s"].as_f64().unwrap();
    assert!((0.3..5.0).contains(&gone), "{eviction}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_baseline_serves_canned_responses() {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut limit = Command::new(env!("CARGO_BIN_EXE_ferrymq-bench"))
        .args(["serve-limit", "--listen", &addr, "--response-bytes", "400"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = limit.id().to_string();
    let route = bench(args(&[
        "route",
        "--addr",
        &addr,
        "--no-setup",
        "-d",
        "0.5",
        "--warmup",
        "0",
        "-c",
        "2",
        "--server-pid",
        &pid,
    ]))
    .await;
    assert_eq!(route["response_bytes"], 400, "{route}");
    assert!(route["requests"].as_u64().unwrap() > 0);
    limit.kill().unwrap();
    let _ = limit.wait();
}
