//! Access control and rate limits on the name server.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::acl::Credentials;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::RequestCode;
use ferrymq_remoting::protocol::header::{KvConfigKeyRequestHeader, PutKvConfigRequestHeader};

const ACCOUNTS: &str = r#"{"accounts":[
    {"accessKey":"ops","secretKey":"ops-secret","admin":true},
    {"accessKey":"reader","secretKey":"reader-secret"}
]}"#;

fn put(key: &str) -> RemotingCommand {
    let header = PutKvConfigRequestHeader {
        namespace: "ns".into(),
        key: key.into(),
        value: "v".into(),
    };
    RemotingCommand::request_with_header(RequestCode::PutKvConfig, &header)
}

fn get(key: &str) -> RemotingCommand {
    let header = KvConfigKeyRequestHeader {
        namespace: "ns".into(),
        key: key.into(),
    };
    RemotingCommand::request_with_header(RequestCode::GetKvConfig, &header)
}

fn signed(mut request: RemotingCommand, access_key: &str, secret_key: &str) -> RemotingCommand {
    Credentials {
        access_key: access_key.into(),
        secret_key: secret_key.into(),
    }
    .sign(&mut request);
    request
}

fn acl_config(
    tag: &str,
    accounts: &str,
) -> (ferrymq_namesrv::config::EffectiveConfig, std::path::PathBuf) {
    let mut config = test_config(tag);
    let path = config
        .values
        .kv_config_path
        .parent()
        .unwrap()
        .join("acl.json");
    std::fs::write(&path, accounts).unwrap();
    config.values.acl_enable = true;
    config.values.acl_file = path.clone();
    (config, path)
}

#[tokio::test]
async fn changes_need_an_admin_signature_and_reads_stay_open() {
    let (config, _) = acl_config("acl", ACCOUNTS);
    let (_server, addr) = start(config).await;
    let client = RemotingClient::default();

    let refused = call(&client, &addr, put("unsigned")).await;
    assert_eq!(refused.code, 16);
    assert_eq!(
        refused.remark.as_deref(),
        Some("No accessKey is configured")
    );
    assert_eq!(
        call(&client, &addr, get("unsigned")).await.code,
        22,
        "nothing changed; reads are open"
    );

    let forged = call(&client, &addr, signed(put("forged"), "ops", "wrong-secret")).await;
    assert_eq!(forged.code, 16);
    assert!(
        forged
            .remark
            .unwrap()
            .contains("Check signature failed for accessKey=ops")
    );
    let reader = call(
        &client,
        &addr,
        signed(put("reader"), "reader", "reader-secret"),
    )
    .await;
    assert_eq!(reader.code, 16);
    assert!(reader.remark.unwrap().contains("not an admin account"));
    let stranger = call(&client, &addr, signed(put("stranger"), "stranger", "x")).await;
    assert_eq!(
        stranger.remark.as_deref(),
        Some("No acl config for stranger")
    );

    assert_eq!(
        call(&client, &addr, signed(put("ok"), "ops", "ops-secret"))
            .await
            .code,
        0
    );
    assert_eq!(
        call(&client, &addr, get("ok")).await.ext("value"),
        Some("v")
    );

    // A broker must sign its registration too.
    let registration = register_request(
        "c",
        "b",
        0,
        "10.0.0.1:10911",
        &register_body(1, &["t1", "t2"]),
    );
    assert_eq!(call(&client, &addr, registration.clone()).await.code, 16);
    assert_eq!(
        call(&client, &addr, signed(registration, "ops", "ops-secret"))
            .await
            .code,
        0
    );
}

#[tokio::test]
async fn protected_reads_need_any_account() {
    let (mut config, _) = acl_config("acl-reads", ACCOUNTS);
    config.values.acl_protect_reads = true;
    let (_server, addr) = start(config).await;
    let client = RemotingClient::default();
    let route =
        || RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", "t");
    assert_eq!(call(&client, &addr, route()).await.code, 16);
    assert_eq!(
        call(&client, &addr, signed(route(), "reader", "reader-secret"))
            .await
            .code,
        17,
        "let through, topic unknown"
    );
}

#[tokio::test]
async fn accounts_are_reloaded_without_a_restart() {
    let (config, path) = acl_config("acl-reload", ACCOUNTS);
    let (_server, addr) = start(config).await;
    let client = RemotingClient::default();
    assert_eq!(
        call(&client, &addr, signed(put("a"), "newcomer", "n"))
            .await
            .code,
        16
    );
    std::fs::write(
        &path,
        r#"{"accounts":[{"accessKey":"newcomer","secretKey":"n","admin":true}]}"#,
    )
    .unwrap();
    let mut accepted = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if call(&client, &addr, signed(put("a"), "newcomer", "n"))
            .await
            .code
            == 0
        {
            accepted = true;
            break;
        }
    }
    assert!(accepted, "the new account is used within seconds");
    assert_eq!(
        call(&client, &addr, signed(put("b"), "ops", "ops-secret"))
            .await
            .code,
        16,
        "the removed one is not"
    );
    // A broken file leaves the accounts in force.
    std::fs::write(&path, "{ broken").unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        call(&client, &addr, signed(put("c"), "newcomer", "n"))
            .await
            .code,
        0
    );
}

#[tokio::test]
async fn a_missing_acl_file_stops_startup() {
    let mut config = test_config("acl-missing");
    config.values.acl_enable = true;
    config.values.acl_file = Path::new("/nonexistent/acl.json").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = ferrymq_namesrv::NameServer::start(config, listener)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("cannot read ACL file"),
        "{error}"
    );
}

#[tokio::test]
async fn admin_requests_are_rate_limited_per_connection() {
    let mut config = test_config("ratelimit");
    config.values.admin_requests_per_second = 5;
    let (_server, addr) = start(config).await;
    let client = RemotingClient::default();
    let mut codes = Vec::new();
    for i in 0..12 {
        let response = call(&client, &addr, put(&format!("k{i}"))).await;
        codes.push(response.code);
        if response.code == 2 {
            assert!(response.remark.unwrap().contains("[RATE_LIMIT]"));
        }
    }
    assert_eq!(codes[..10], [0; 10], "a burst of twice the rate passes");
    assert!(
        codes[10..].contains(&2),
        "then the connection is slowed: {codes:?}"
    );
    assert_eq!(
        call(&RemotingClient::default(), &addr, put("other"))
            .await
            .code,
        0,
        "other connections are not"
    );
    assert_eq!(
        call(&client, &addr, get("k0")).await.code,
        0,
        "reads are not limited"
    );
    // Broker registrations are not admin requests.
    for _ in 0..20 {
        let registration = register_request(
            "c",
            "b",
            0,
            "10.0.0.1:10911",
            &register_body(1, &["t1", "t2"]),
        );
        assert_eq!(call(&client, &addr, registration).await.code, 0);
    }
}
