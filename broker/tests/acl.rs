//! Access control between brokers, name servers and admin tools.

mod common;

use common::*;
use ferrymq_remoting::acl::Credentials;
use ferrymq_remoting::client::RemotingClient;
use tokio::net::TcpListener;

const ACCOUNTS: &str =
    r#"{"accounts":[{"accessKey":"cluster-admin","secretKey":"s3cret","admin":true}]}"#;

fn write_accounts(tag: &str) -> std::path::PathBuf {
    let path = temp_dir(tag).join("acl.json");
    std::fs::write(&path, ACCOUNTS).unwrap();
    path
}

#[tokio::test]
async fn a_broker_with_credentials_registers_with_an_acl_name_server() {
    let mut ns_config = ferrymq_namesrv::config::EffectiveConfig::default();
    let dir = temp_dir("acl-ns");
    ns_config.values.kv_config_path = dir.join("kvConfig.json");
    ns_config.values.acl_enable = true;
    ns_config.values.acl_file = write_accounts("acl-ns-file");
    let namesrv = ferrymq_namesrv::NameServer::start(
        ns_config,
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
    )
    .await
    .unwrap();
    let ns_addr = namesrv.local_addr().to_string();
    let client = RemotingClient::default();

    let anonymous = start_broker(broker_config("anonymous", 0, &ns_addr)).await;
    let report = anonymous.registrar().register_all(true).await;
    assert!(
        report.failed[0].1.contains("NO_PERMISSION"),
        "{:?}",
        report.failed
    );
    assert!(route(&client, &ns_addr, "anonymous").await.is_none());

    let mut config = broker_config("signed", 0, &ns_addr);
    config.values.access_key = "cluster-admin".into();
    config.values.secret_key = "s3cret".into();
    let _signed = start_broker(config).await;
    eventually("the signed broker is routed", WAIT, async || {
        route(&client, &ns_addr, "signed").await.is_some()
    })
    .await;
}

#[tokio::test]
async fn topic_changes_on_an_acl_broker_need_an_admin_signature() {
    let (_ns, ns_addr) = start_namesrv().await;
    let mut config = broker_config("broker-a", 0, &ns_addr);
    config.values.acl_enable = true;
    config.values.acl_file = write_accounts("acl-broker");
    let broker = start_broker(config).await;
    let addr = broker.local_addr().to_string();
    let client = RemotingClient::default();

    let refused = client
        .invoke(&addr, create_topic("guarded", 4, 6), WAIT)
        .await
        .unwrap();
    assert_eq!(refused.code, 16);
    assert!(broker.topics().get("guarded").is_none(), "nothing changed");

    let mut request = create_topic("guarded", 4, 6);
    Credentials {
        access_key: "cluster-admin".into(),
        secret_key: "s3cret".into(),
    }
    .sign(&mut request);
    assert!(
        client
            .invoke(&addr, request, WAIT)
            .await
            .unwrap()
            .is_success()
    );
    assert!(broker.topics().get("guarded").is_some());

    let config = client
        .invoke(
            &addr,
            ferrymq_remoting::RemotingCommand::request(
                ferrymq_remoting::RequestCode::GetBrokerConfig,
            ),
            WAIT,
        )
        .await
        .unwrap();
    assert!(config.is_success(), "reads stay open");
}

#[tokio::test]
async fn the_secret_is_never_shown() {
    let (_ns, ns_addr) = start_namesrv().await;
    let mut config = broker_config("broker-a", 0, &ns_addr);
    config.values.access_key = "cluster-admin".into();
    config.values.secret_key = "s3cret".into();
    let broker = start_broker(config).await;
    let client = RemotingClient::default();
    let shown = client
        .invoke(
            &broker.local_addr().to_string(),
            ferrymq_remoting::RemotingCommand::request(
                ferrymq_remoting::RequestCode::GetBrokerConfig,
            ),
            WAIT,
        )
        .await
        .unwrap();
    let text = String::from_utf8(shown.body.to_vec()).unwrap();
    assert!(
        text.contains("secretKey=******\n") && !text.contains("s3cret"),
        "{text}"
    );
}
