//! Prints the route of a topic and where a producer would send.
//!
//!     cargo run -p ferrymq-client --example route -- TopicTest
//!
//! Reads the name servers from NAMESRV_ADDR (default 127.0.0.1:9876).

use ferrymq_client::{ClientConfig, QueueSelector, RouteClient};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let topic = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "TBW102".to_owned());
    let addrs = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".to_owned());
    let client = RouteClient::new(ClientConfig::with_namesrv_addr(&addrs));
    match client.topic_route(&topic).await {
        Ok(route) => {
            for broker in &route.broker_datas {
                println!(
                    "broker {} in {}: {:?}",
                    broker.broker_name, broker.cluster, broker.broker_addrs
                );
            }
            for queues in &route.queue_datas {
                println!(
                    "queues on {}: {} read, {} write, perm {}",
                    queues.broker_name,
                    queues.read_queue_nums,
                    queues.write_queue_nums,
                    queues.perm
                );
            }
        }
        Err(error) => println!("no route: {error}"),
    }
    match client.publish_info(&topic).await {
        Ok(info) => {
            let selector = QueueSelector::new();
            let via = if info.from_auto_create {
                " (via TBW102: the topic does not exist yet)"
            } else {
                ""
            };
            println!("{} writable queues{via}", info.queues.len());
            for _ in 0..3.min(info.queues.len()) {
                let queue = selector.select(&info, None).expect("queues exist");
                println!("next send: {} queue {}", queue.broker_name, queue.queue_id);
            }
        }
        Err(error) => {
            eprintln!("cannot publish to {topic}: {error}");
            std::process::exit(1);
        }
    }
}
