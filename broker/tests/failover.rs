//! A broker with two name servers: one down does not stop the other from
//! being served, and a name server that comes back is repopulated by the
//! next periodic registration (at least 10 s after the last, as in Java).

mod common;

use std::time::Duration;

use common::*;
use ferrymq_remoting::client::RemotingClient;
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_name_server_down_then_back() {
    let (_first, first_addr) = start_namesrv().await;
    // A port nothing listens on, for now.
    let second_addr = {
        let reserved = TcpListener::bind("127.0.0.1:0").await.unwrap();
        reserved.local_addr().unwrap().to_string()
    };
    let mut config = broker_config("broker-a", 0, &format!("{first_addr};{second_addr}"));
    config.values.register_name_server_period = 10_000;
    let _broker = start_broker(config).await;
    let client = RemotingClient::default();
    eventually("the live name server is served", WAIT, async || {
        route(&client, &first_addr, "TBW102").await.is_some()
    })
    .await;

    let _second = start_namesrv_on(&second_addr).await;
    assert!(
        route(&client, &second_addr, "TBW102").await.is_none(),
        "not yet registered there"
    );
    eventually(
        "the returning name server is repopulated",
        Duration::from_secs(13),
        async || route(&client, &second_addr, "TBW102").await.is_some(),
    )
    .await;
    assert!(route(&client, &first_addr, "TBW102").await.is_some());
}
