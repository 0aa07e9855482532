//! The `ferrymq-namesrv` binary: settings from files, flags and the
//! environment, printed with `-p`.

use std::process::Command;

fn namesrv() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferrymq-namesrv"))
}

#[test]
fn print_config_merges_file_flags_and_environment() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ferrymq-namesrv-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("namesrv.properties");
    std::fs::write(
        &file,
        "listenPort=9999\norderMessageEnable=true\nrocketmqHome=/from/file\n",
    )
    .unwrap();
    let output = namesrv()
        .arg("-c")
        .arg(&file)
        .args(["-p", "--listen-port", "9877", "-D", "enableTopicList=false"])
        .env("ROCKETMQ_HOME", "/opt/rocketmq")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    for line in [
        "listenPort=9877\n",
        "orderMessageEnable=true\n",
        "enableTopicList=false\n",
        "bindAddress=127.0.0.1\n",
        "rocketmqHome=/from/file\n",
        &format!("configStorePath={}\n", file.display()),
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
    let defaults = namesrv()
        .arg("-p")
        .env("ROCKETMQ_HOME", "/opt/rocketmq")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(defaults.stdout)
            .unwrap()
            .contains("rocketmqHome=/opt/rocketmq\n")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_settings_are_clear_errors() {
    let output = namesrv()
        .args(["-p", "-D", "scanNotActiveBrokerInterval=soon"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("scanNotActiveBrokerInterval") && error.contains("soon"),
        "{error}"
    );
    let missing = namesrv()
        .args(["-c", "/nonexistent/namesrv.properties"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read config file"));
}

#[test]
fn a_corrupt_kv_file_stops_startup_with_a_clear_error() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ferrymq-namesrv-kv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kv = dir.join("kvConfig.json");
    std::fs::write(&kv, "{broken").unwrap();
    let output = namesrv()
        .arg("--kv-config-path")
        .arg(&kv)
        .args(["--listen-port", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a valid KV config file"));
    assert_eq!(
        std::fs::read_to_string(&kv).unwrap(),
        "{broken",
        "the file is left as it was"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
