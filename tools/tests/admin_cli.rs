//! `ferrymq-admin` as a process, against a name server and a broker
//! started in the test.

use std::path::Path;
use std::process::Command;

use ferrymq_tools::standalone::{Standalone, StandaloneArgs};

struct Outcome {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `ferrymq-admin -n <namesrv> <args>` without blocking the servers.
async fn admin(namesrv: &str, args: &[&str]) -> Outcome {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferrymq-admin"));
    command
        .env_remove("NAMESRV_ADDR")
        .arg("-n")
        .arg(namesrv)
        .args(args);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    Outcome {
        ok: output.status.success(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

async fn ok(namesrv: &str, args: &[&str]) -> String {
    let outcome = admin(namesrv, args).await;
    assert!(
        outcome.ok,
        "{args:?} failed:\n{}{}",
        outcome.stdout, outcome.stderr
    );
    outcome.stdout
}

async fn start(tag: &str) -> (Standalone, String, String) {
    let data =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("admin-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let args = StandaloneArgs {
        data_dir: data,
        bind_address: "127.0.0.1".into(),
        namesrv_port: 0,
        broker_port: 0,
        broker_name: "broker-a".into(),
    };
    let both = Standalone::start(&args).await.unwrap();
    let namesrv = both.namesrv.local_addr().to_string();
    let broker = both.broker.local_addr().to_string();
    // Wait for the broker's first registration.
    for _ in 0..100 {
        if both.namesrv.routes().pickup_route("TBW102", None).is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (both, namesrv, broker)
}

async fn eventually_route(namesrv: &str, topic: &str, contains: &str) -> String {
    for _ in 0..100 {
        let outcome = admin(namesrv, &["topicRoute", "-t", topic]).await;
        if outcome.ok && outcome.stdout.contains(contains) {
            return outcome.stdout;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the route of {topic} never contained {contains}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_created_inspected_and_deleted() {
    let (_both, ns, broker) = start("topics").await;

    let created = ok(
        &ns,
        &[
            "updateTopic",
            "-c",
            "DefaultCluster",
            "-t",
            "Orders",
            "-r",
            "4",
            "-w",
            "4",
        ],
    )
    .await;
    assert!(
        created.contains(&format!("create topic to {broker} success.")),
        "{created}"
    );
    assert!(
        created
            .contains("TopicConfig [topicName=Orders, readQueueNums=4, writeQueueNums=4, perm=RW-"),
        "{created}"
    );

    let route = eventually_route(&ns, "Orders", "writeQueueNums").await;
    let route: serde_json::Value = serde_json::from_str(&route).unwrap();
    assert_eq!(route["queueDatas"][0]["writeQueueNums"], 4);

    let listed = ok(&ns, &["topicRoute", "-t", "Orders", "-l"]).await;
    assert!(listed.starts_with("#ClusterName"), "{listed}");
    assert!(listed.contains(&format!("{{0={broker}}}")), "{listed}");
    assert!(listed.contains("Total:"), "{listed}");

    let topics = ok(&ns, &["topicList"]).await;
    assert!(topics.lines().any(|line| line == "Orders"), "{topics}");
    let json: Vec<String> = serde_json::from_str(&ok(&ns, &["topicList", "--json"]).await).unwrap();
    assert!(json.contains(&"Orders".to_owned()));
    let by_cluster = ok(&ns, &["topicList", "-c"]).await;
    assert!(
        by_cluster
            .lines()
            .any(|l| l.starts_with("DefaultCluster") && l.ends_with("Orders")),
        "{by_cluster}"
    );
    assert_eq!(
        ok(&ns, &["topicClusterList", "-t", "Orders"]).await,
        "DefaultCluster\n"
    );

    let perm = ok(
        &ns,
        &[
            "updateTopicPerm",
            "-t",
            "Orders",
            "-p",
            "4",
            "-c",
            "DefaultCluster",
        ],
    )
    .await;
    assert!(
        perm.contains(&format!(
            "update topic perm from 6 to 4 in {broker} success."
        )),
        "{perm}"
    );
    eventually_route(&ns, "Orders", "\"perm\": 4").await;

    let deleted = ok(
        &ns,
        &["deleteTopic", "-t", "Orders", "-c", "DefaultCluster"],
    )
    .await;
    assert_eq!(
        deleted,
        "delete topic [Orders] from cluster [DefaultCluster] success.\ndelete topic [Orders] from NameServer success.\n"
    );
    let gone = admin(&ns, &["topicRoute", "-t", "Orders"]).await;
    assert!(!gone.ok);
    assert!(
        gone.stderr.contains("TOPIC_NOT_EXIST (17)"),
        "{}",
        gone.stderr
    );

    let ordered = ok(
        &ns,
        &[
            "updateTopic",
            "-b",
            &broker,
            "-t",
            "Ordered",
            "-w",
            "2",
            "-r",
            "2",
            "-o",
            "true",
        ],
    )
    .await;
    assert!(
        ordered.contains("set broker orderConf. isOrder=true, orderConf=[broker-a:2]"),
        "{ordered}"
    );
    let conf = ok(&ns, &["updateOrderConf", "-t", "Ordered", "-m", "get"]).await;
    assert!(conf.contains("orderConf=[broker-a:2]"), "{conf}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_and_broker_information() {
    let (_both, ns, broker) = start("cluster").await;
    let table = ok(&ns, &["clusterList"]).await;
    let header = table.lines().next().unwrap();
    for column in [
        "#Cluster Name",
        "#Broker Name",
        "#BID",
        "#Addr",
        "#Version",
        "#InTPS(LOAD)",
        "#OutTPS(LOAD)",
        "#ACTIVATED",
    ] {
        assert!(header.contains(column), "{column} missing: {header}");
    }
    let row = table.lines().nth(1).unwrap();
    assert!(
        row.starts_with("DefaultCluster") && row.contains(&broker) && row.contains("V5_3_3"),
        "{row}"
    );
    assert!(row.trim_end().ends_with("true"), "{row}");
    let more = ok(&ns, &["clusterList", "-m"]).await;
    assert!(
        more.starts_with("#Cluster Name") && more.contains("#InTotalYest"),
        "{more}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&ns, &["clusterList", "--json"]).await).unwrap();
    assert_eq!(json[0]["runtime"]["brokerVersionDesc"], "V5_3_3");

    let status = ok(&ns, &["brokerStatus", "-b", &broker]).await;
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("brokerVersionDesc") && l.ends_with(": V5_3_3")),
        "{status}"
    );
    let config = ok(&ns, &["getBrokerConfig", "-c", "DefaultCluster"]).await;
    assert!(
        config.contains(&format!("============{broker}============")),
        "{config}"
    );
    assert!(
        config
            .lines()
            .any(|l| l.starts_with("brokerName") && l.ends_with("=  broker-a")),
        "{config}"
    );

    let update = ok(
        &ns,
        &[
            "updateBrokerConfig",
            "-b",
            &broker,
            "-k",
            "brokerPermission",
            "-v",
            "4",
        ],
    )
    .await;
    assert_eq!(update, format!("update broker config success, {broker}\n"));
    eventually_route(&ns, "TBW102", "\"perm\": 4").await;
    ok(
        &ns,
        &[
            "updateBrokerConfig",
            "-c",
            "DefaultCluster",
            "-k",
            "brokerPermission",
            "-v",
            "6",
        ],
    )
    .await;
    eventually_route(&ns, "TBW102", "\"perm\": 7").await;

    let wiped = ok(&ns, &["wipeWritePerm", "-b", "broker-a"]).await;
    assert!(
        wiped.starts_with(&format!(
            "wipe write perm of broker[broker-a] in name server[{ns}] OK, "
        )),
        "{wiped}"
    );
    eventually_route(&ns, "TBW102", "\"perm\": 5").await;
    let added = ok(&ns, &["addWritePerm", "-b", "broker-a"]).await;
    assert!(
        added.starts_with(&format!(
            "add write perm of broker[broker-a] in name server[{ns}] OK, "
        )),
        "{added}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_server_kv_and_settings() {
    let (_both, ns, _broker) = start("kv").await;
    assert_eq!(
        ok(
            &ns,
            &["updateKvConfig", "-s", "app", "-k", "color", "-v", "blue"]
        )
        .await,
        "create or update kv config to namespace success.\n"
    );
    assert_eq!(
        ok(&ns, &["getKvConfig", "-s", "app", "-k", "color"]).await,
        "blue\n"
    );
    let list = ok(&ns, &["getKvList", "-s", "app"]).await;
    assert!(
        list.lines()
            .any(|l| l.starts_with("color") && l.ends_with("blue")),
        "{list}"
    );
    assert_eq!(
        ok(&ns, &["deleteKvConfig", "-s", "app", "-k", "color"]).await,
        "delete kv config from namespace success.\n"
    );
    let missing = admin(&ns, &["getKvConfig", "-s", "app", "-k", "color"]).await;
    assert!(!missing.ok);
    assert!(
        missing
            .stderr
            .contains("QUERY_NOT_FOUND (22): No config item, Namespace: app Key: color"),
        "{}",
        missing.stderr
    );

    let settings = ok(&ns, &["getNamesrvConfig"]).await;
    assert!(
        settings.starts_with(&format!("============{ns}============")),
        "{settings}"
    );
    assert!(
        settings
            .lines()
            .any(|l| l.starts_with("enableTopicList") && l.ends_with("=  true")),
        "{settings}"
    );
    ok(
        &ns,
        &[
            "updateNamesrvConfig",
            "-k",
            "enableTopicList",
            "-v",
            "false",
        ],
    )
    .await;
    let json: serde_json::Value =
        serde_json::from_str(&ok(&ns, &["getNamesrvConfig", "--json"]).await).unwrap();
    assert_eq!(json[&ns]["enableTopicList"], "false");
    let refused = admin(
        &ns,
        &["updateNamesrvConfig", "-k", "kvConfigPath", "-v", "/tmp/x"],
    )
    .await;
    assert!(!refused.ok);
    assert!(
        refused
            .stderr
            .contains("NO_PERMISSION (16): Can not update config in black list."),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn failures_say_what_and_why() {
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let down = admin(&dead, &["topicList"]).await;
    assert!(!down.ok);
    assert!(
        down.stderr.contains(&format!("cannot connect to {dead}")),
        "{}",
        down.stderr
    );

    let mut command = Command::new(env!("CARGO_BIN_EXE_ferrymq-admin"));
    let none = command
        .env_remove("NAMESRV_ADDR")
        .arg("topicList")
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no name server"));

    let usage = admin("127.0.0.1:1", &["updateTopic", "-t", "x"]).await;
    assert!(!usage.ok, "-b or -c is required");
    assert!(
        usage.stderr.contains("--brokerAddr") || usage.stderr.contains("-b"),
        "{}",
        usage.stderr
    );
}
