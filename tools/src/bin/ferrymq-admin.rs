//! `ferrymq-admin`: manage RocketMQ routes and topics, mqadmin style.

use clap::Parser;
use ferrymq_tools::admin::AdminCli;

fn main() {
    let cli = AdminCli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("starting the runtime");
    if let Err(error) = runtime.block_on(cli.run()) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
