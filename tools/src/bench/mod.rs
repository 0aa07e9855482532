//! `ferrymq-bench`: measures any RocketMQ name server over the remoting
//! protocol, so ferrymq, the Java NameServer and others are measured the
//! same way. Every scenario ends with a one-line JSON summary.
//!
//! Give `--server-pid` to read the server's CPU time and memory from /proc;
//! throughput is then also reported per server CPU-second, which the load
//! generator's own cost does not distort. Pin the server and the tool to
//! different cores (`taskset -c 0 server`, `taskset -c 1 ferrymq-bench`).

mod brokers;
mod limit;
mod load;
mod procfs;
mod stats;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use ferrymq_remoting::RemotingCommand;
use ferrymq_remoting::client::RemotingClient;
use ferrymq_remoting::protocol::{RequestCode, ResponseCode, frame};
use serde_json::{Value, json};

use brokers::{FakeBroker, TopicNames};
use load::{LoadSpec, run as run_load};
use stats::Latencies;

/// Measure a RocketMQ name server.
#[derive(Debug, Parser)]
#[command(name = "ferrymq-bench", version)]
pub struct BenchCli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Route lookups over C connections with P requests in flight each.
    Route(RouteArgs),
    /// B brokers registering T topics: first time, unchanged, changed.
    Register(RegisterArgs),
    /// Route lookups while B brokers keep re-registering.
    Mixed(MixedArgs),
    /// The server's memory after B brokers x T topics register.
    Memory(MemoryArgs),
    /// How long a silent broker's route survives.
    Eviction(EvictionArgs),
    /// Serve the `limit` baseline: canned responses, no work.
    ServeLimit(ServeLimitArgs),
}

#[derive(Debug, Clone, Args)]
struct Target {
    /// The name server.
    #[arg(long, default_value = "127.0.0.1:9876")]
    addr: String,
    /// The server's pid, to read its CPU time and memory from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
}

#[derive(Debug, Clone, Args)]
struct LoadArgs {
    /// Connections.
    #[arg(short = 'c', long, default_value_t = 32)]
    connections: usize,
    /// Requests in flight per connection.
    #[arg(short = 'p', long, default_value_t = 8)]
    pipeline: usize,
    /// Seconds to measure.
    #[arg(short = 'd', long, default_value_t = 10.0)]
    duration: f64,
    /// MQVersion of the requests: 409 (4.9.8) gets standard JSON, below 401 the legacy form.
    #[arg(long, default_value_t = 409)]
    request_version: i32,
}

#[derive(Debug, Args)]
struct RouteArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    load: LoadArgs,
    /// Brokers serving the topic, registered before the run.
    #[arg(short = 'b', long, default_value_t = 1)]
    brokers: usize,
    /// The topic looked up.
    #[arg(long, default_value = "BenchRoute")]
    topic: String,
    /// Register nothing: the topic exists already (or the server is the limit baseline).
    #[arg(long)]
    no_setup: bool,
    /// Seconds of load before measuring, to warm a JIT.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
}

#[derive(Debug, Args)]
struct RegisterArgs {
    #[command(flatten)]
    target: Target,
    /// Brokers, each on its own connection.
    #[arg(short = 'b', long, default_value_t = 1)]
    brokers: usize,
    /// Topics per broker.
    #[arg(short = 't', long, default_value_t = 1000)]
    topics: usize,
    /// Each broker's topics are its own (default: every broker serves the same ones).
    #[arg(long)]
    distinct: bool,
    /// Rounds of each pass (every broker registers once per round).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Which passes to run, in order.
    #[arg(long, value_delimiter = ',', default_value = "first,unchanged,changed")]
    passes: Vec<String>,
}

#[derive(Debug, Args)]
struct MixedArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    load: LoadArgs,
    /// Brokers re-registering.
    #[arg(short = 'b', long, default_value_t = 100)]
    brokers: usize,
    /// Topics per broker (shared, so the looked-up topic is on every broker).
    #[arg(short = 't', long, default_value_t = 1000)]
    topics: usize,
    /// Milliseconds between each broker's registrations.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
    /// Every registration carries a new data version.
    #[arg(long)]
    changing: bool,
}

#[derive(Debug, Args)]
struct MemoryArgs {
    #[command(flatten)]
    target: Target,
    /// Brokers.
    #[arg(short = 'b', long, default_value_t = 100)]
    brokers: usize,
    /// Topics per broker.
    #[arg(short = 't', long, default_value_t = 1000)]
    topics: usize,
    /// Each broker's topics are its own.
    #[arg(long)]
    distinct: bool,
}

#[derive(Debug, Args)]
struct EvictionArgs {
    #[command(flatten)]
    target: Target,
    /// The timeout the broker asks for (heartbeatTimeoutMillis); 0 for the server's default.
    #[arg(long, default_value_t = 3000)]
    timeout_ms: i64,
}

#[derive(Debug, Args)]
struct ServeLimitArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:9899")]
    listen: SocketAddr,
    /// Bytes of each response frame, length prefix included (match the real route response).
    #[arg(long, default_value_t = 330)]
    response_bytes: usize,
}

impl BenchCli {
    /// Runs the scenario and prints its summary line.
    pub async fn run(self) -> Result<(), String> {
        let summary = match self.scenario {
            Scenario::Route(args) => route(args).await?,
            Scenario::Register(args) => register(args).await?,
            Scenario::Mixed(args) => mixed(args).await?,
            Scenario::Memory(args) => memory(args).await?,
            Scenario::Eviction(args) => eviction(args).await?,
            Scenario::ServeLimit(args) => {
                limit::serve(args.listen, args.response_bytes)
                    .await
                    .map_err(|error| error.to_string())?;
                return Ok(());
            }
        };
        println!("{summary}");
        Ok(())
    }
}

/// Reads a process's CPU time, if a pid was given.
fn cpu(pid: Option<u32>) -> Result<Option<Duration>, String> {
    pid.map(|pid| procfs::cpu_time(pid).map_err(|error| format!("reading /proc/{pid}: {error}")))
        .transpose()
}

fn cpu_delta(before: Option<Duration>, pid: Option<u32>) -> Result<Option<f64>, String> {
    Ok(match (before, cpu(pid)?) {
        (Some(before), Some(after)) => Some((after - before).as_secs_f64()),
        _ => None,
    })
}

async fn register_all(brokers: &[FakeBroker], addr: &str) -> Result<Latencies, String> {
    let mut latencies = Latencies::with_capacity(brokers.len());
    for broker in brokers {
        latencies.record(broker.register(addr).await?);
    }
    Ok(latencies)
}

/// The size of one response frame to a route lookup, and its code.
async fn probe(addr: &str, topic: &str, version: i32) -> Result<(usize, i32), String> {
    let mut request =
        RemotingCommand::request(RequestCode::GetRouteinfoByTopic).with_ext("topic", topic);
    request.version = version;
    let response = RemotingClient::default()
        .invoke(addr, request, Duration::from_secs(10))
        .await
        .map_err(|error| error.to_string())?;
    let bytes = frame::encode_to_vec(&response).map_err(|error| error.to_string())?;
    Ok((bytes.len(), response.code))
}

fn load_spec(target: &Target, load: &LoadArgs, topic: &str) -> LoadSpec {
    LoadSpec {
        addr: target.addr.clone(),
        topic: topic.to_owned(),
        connections: load.connections.max(1),
        pipeline: load.pipeline.max(1),
        duration: Duration::from_secs_f64(load.duration.max(0.1)),
        request_version: load.request_version,
    }
}

fn latency_fields(summary: &mut Value, latencies: &mut Latencies) {
    summary["p50_us"] = json!(latencies.quantile(0.5));
    summary["p99_us"] = json!(latencies.quantile(0.99));
    summary["p999_us"] = json!(latencies.quantile(0.999));
}

async fn route(args: RouteArgs) -> Result<Value, String> {
    let mut brokers = Vec::new();
    if !args.no_setup {
        for index in 0..args.brokers {
            let broker = FakeBroker::new(index, 0, TopicNames::Shared, &[&args.topic], None);
            broker.register(&args.target.addr).await?;
            brokers.push(broker);
        }
    }
    let (response_bytes, code) =
        probe(&args.target.addr, &args.topic, args.load.request_version).await?;
    if code != ResponseCode::Success.as_i32() {
        return Err(format!(
            "the route lookup answers code {code}; is the topic registered?"
        ));
    }
    let mut spec = load_spec(&args.target, &args.load, &args.topic);
    if args.warmup > 0.0 {
        let warmup = LoadSpec {
            duration: Duration::from_secs_f64(args.warmup),
            ..spec.clone()
        };
        run_load(&warmup).await?;
    }
    let before = cpu(args.target.server_pid)?;
    let mut result = run_load(&spec).await?;
    let server_cpu = cpu_delta(before, args.target.server_pid)?;
    spec.duration = result.elapsed;
    let seconds = result.elapsed.as_secs_f64();
    let mut summary = json!({
        "scenario": "route",
        "addr": spec.addr,
        "brokers": if args.no_setup { Value::Null } else { json!(args.brokers) },
        "connections": spec.connections,
        "pipeline": spec.pipeline,
        "request_version": spec.request_version,
        "response_bytes": response_bytes,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "requests": result.requests,
        "errors": result.errors,
        "rps": (result.requests as f64 / seconds).round(),
    });
    latency_fields(&mut summary, &mut result.latencies);
    if let Some(server_cpu) = server_cpu {
        summary["server_cpu_s"] = json!((server_cpu * 1000.0).round() / 1000.0);
        summary["requests_per_server_cpu_s"] =
            json!((result.requests as f64 / server_cpu.max(0.001)).round());
    }
    drop(brokers);
    Ok(summary)
}

async fn register(args: RegisterArgs) -> Result<Value, String> {
    let names = if args.distinct {
        TopicNames::Distinct
    } else {
        TopicNames::Shared
    };
    let mut brokers: Vec<FakeBroker> = (0..args.brokers)
        .map(|index| FakeBroker::new(index, args.topics, names, &[], None))
        .collect();
    let pid = args.target.server_pid;
    let addr = &args.target.addr;
    let mut passes = serde_json::Map::new();
    let mut retired = Vec::new();
    let rounds = args.repeat.max(1);
    for label in &args.passes {
        let pass = match label.as_str() {
            "first" => 0,
            "unchanged" => 1,
            "changed" => 2,
            other => return Err(format!("unknown pass {other}: first, unchanged or changed")),
        };
        if pass > 0 && passes.is_empty() {
            // Later passes need the brokers registered once.
            register_all(&brokers, addr).await?;
        }
        let mut latencies = Latencies::with_capacity(rounds * args.brokers);
        // CPU time is read in 10 ms ticks: measure the whole pass at once.
        let before = cpu(pid)?;
        for round in 0..rounds {
            if pass == 0 && round > 0 {
                // A first registration again needs brokers the server has not
                // seen: new ones, on new connections, with new names. The
                // old ones stay connected, so their unregistration does not
                // land in this measurement.
                let offset = round * args.brokers;
                let fresh = (0..args.brokers)
                    .map(|index| FakeBroker::new(offset + index, args.topics, names, &[], None))
                    .collect();
                retired.push(std::mem::replace(&mut brokers, fresh));
            }
            if pass == 2 {
                brokers.iter_mut().for_each(FakeBroker::bump_version);
            }
            latencies.merge(register_all(&brokers, addr).await?);
        }
        let server_cpu = cpu_delta(before, pid)?;
        let mut entry = json!({
            "registrations": rounds * args.brokers,
            "median_latency_us": latencies.quantile(0.5),
            "p99_latency_us": latencies.quantile(0.99),
        });
        if let Some(server_cpu) = server_cpu {
            let per = server_cpu * 1000.0 / (rounds * args.brokers) as f64;
            entry["server_cpu_ms_per_registration"] = json!((per * 1000.0).round() / 1000.0);
        }
        passes.insert(label.clone(), entry);
    }
    Ok(json!({
        "scenario": "register",
        "addr": addr,
        "brokers": args.brokers,
        "topics_per_broker": args.topics,
        "distinct": args.distinct,
        "repeat": args.repeat,
        "passes": passes,
    }))
}

async fn mixed(args: MixedArgs) -> Result<Value, String> {
    let addr = args.target.addr.clone();
    let mut brokers: Vec<FakeBroker> = (0..args.brokers)
        .map(|index| FakeBroker::new(index, args.topics, TopicNames::Shared, &[], None))
        .collect();
    register_all(&brokers, &addr).await?;
    let topic = "BenchTopic-0";
    let stop = Arc::new(AtomicBool::new(false));
    let registrations = Arc::new(AtomicU64::new(0));
    let registering = {
        let (stop, registrations, addr) = (stop.clone(), registrations.clone(), addr.clone());
        let interval = Duration::from_millis(args.interval_ms.max(1));
        let changing = args.changing;
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let round = Instant::now();
                for broker in &mut brokers {
                    if changing {
                        broker.bump_version();
                    }
                    if broker.register(&addr).await.is_ok() {
                        registrations.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(interval.saturating_sub(round.elapsed())).await;
            }
        })
    };
    let spec = load_spec(&args.target, &args.load, topic);
    let before = cpu(args.target.server_pid)?;
    let mut result = run_load(&spec).await?;
    let server_cpu = cpu_delta(before, args.target.server_pid)?;
    stop.store(true, Ordering::Relaxed);
    let _ = registering.await;
    let seconds = result.elapsed.as_secs_f64();
    let mut summary = json!({
        "scenario": "mixed",
        "addr": addr,
        "brokers": args.brokers,
        "topics_per_broker": args.topics,
        "changing": args.changing,
        "registrations_per_s": (registrations.load(Ordering::Relaxed) as f64 / seconds).round(),
        "connections": spec.connections,
        "pipeline": spec.pipeline,
        "requests": result.requests,
        "errors": result.errors,
        "rps": (result.requests as f64 / seconds).round(),
    });
    latency_fields(&mut summary, &mut result.latencies);
    if let Some(server_cpu) = server_cpu {
        summary["server_cpu_s"] = json!((server_cpu * 1000.0).round() / 1000.0);
    }
    Ok(summary)
}

async fn memory(args: MemoryArgs) -> Result<Value, String> {
    let pid = args.target.server_pid.ok_or("memory needs --server-pid")?;
    let rss = |pid| procfs::rss_bytes(pid).map_err(|error| format!("reading /proc/{pid}: {error}"));
    let before = rss(pid)?;
    let names = if args.distinct {
        TopicNames::Distinct
    } else {
        TopicNames::Shared
    };
    let brokers: Vec<FakeBroker> = (0..args.brokers)
        .map(|index| FakeBroker::new(index, args.topics, names, &[], None))
        .collect();
    register_all(&brokers, &args.target.addr).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss(pid)?;
    let mib = |bytes: u64| (bytes as f64 / 1_048_576.0 * 10.0).round() / 10.0;
    Ok(json!({
        "scenario": "memory",
        "addr": args.target.addr,
        "brokers": args.brokers,
        "topics_per_broker": args.topics,
        "distinct": args.distinct,
        "rss_before_mib": mib(before),
        "rss_after_mib": mib(after),
    }))
}

async fn eviction(args: EvictionArgs) -> Result<Value, String> {
    let timeout = (args.timeout_ms > 0).then_some(args.timeout_ms);
    let broker = FakeBroker::new(9_999, 0, TopicNames::Shared, &["BenchEvicted"], timeout);
    broker.register(&args.target.addr).await?;
    let registered = Instant::now();
    // The broker's connection stays open but silent, as a hung broker's would.
    loop {
        let (_, code) = probe(&args.target.addr, "BenchEvicted", 409).await?;
        if code == ResponseCode::TopicNotExist.as_i32() {
            break;
        }
        if registered.elapsed() > Duration::from_secs(600) {
            return Err("the route was still there after 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let gone = registered.elapsed().as_secs_f64();
    drop(broker);
    Ok(json!({
        "scenario": "eviction",
        "addr": args.target.addr,
        "timeout_ms": args.timeout_ms,
        "route_gone_after_s": (gone * 1000.0).round() / 1000.0,
    }))
}
