//! `ferrymq-bench`: measure any RocketMQ name server.

use clap::Parser;
use ferrymq_tools::bench::BenchCli;

fn main() {
    let cli = BenchCli::parse();
    // One runtime thread: the tool must cost less than the server it loads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("starting the runtime");
    if let Err(error) = runtime.block_on(cli.run()) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
