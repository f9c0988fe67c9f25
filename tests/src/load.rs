//! Load helpers shared by the benchmark binaries: a load generator on threads of its own, a
//! bounded run of one query at a fixed concurrency, latency percentiles, the server's CPU time
//! and the process's peak memory.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::TestApp;

/// What the load generator's threads are named, so their CPU time can be told apart.
const CLIENT_THREADS: &str = "bench-client";

/// Clock ticks per second in `/proc` (`USER_HZ`, 100 on every Linux architecture).
const TICKS_PER_SECOND: u64 = 100;

/// The median of `runs` by `key`.
pub fn median<T: Copy + Default>(mut runs: Vec<T>, key: impl Fn(&T) -> f64) -> T {
    runs.sort_by(|a, b| key(a).total_cmp(&key(b)));
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

/// The latency at percentile `p` (0 to 1) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// The process's peak resident memory, in KiB (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    peak_rss_kib_of("self")
}

/// The peak resident memory of the process `pid` (or `self`), in KiB (Linux).
fn peak_rss_kib_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// User and system CPU time in a `/proc/.../stat` line, in ticks.
fn ticks(stat: &str) -> Option<u64> {
    // The fields after the command name (which may hold spaces) start with the state (3rd).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

/// CPU time the process has used, and the part of it its load generator threads used.
fn cpu_ticks() -> (u64, u64) {
    let process = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| ticks(&s))
        .unwrap_or_default();
    let mut client = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let path = task.path();
            let named = std::fs::read_to_string(path.join("comm"))
                .is_ok_and(|c| c.trim_end().starts_with(CLIENT_THREADS));
            if named {
                client += std::fs::read_to_string(path.join("stat"))
                    .ok()
                    .and_then(|s| ticks(&s))
                    .unwrap_or_default();
            }
        }
    }
    (process, client)
}

/// What one run measured.
pub struct Run {
    /// Each request's latency, sorted.
    pub latencies: Vec<Duration>,
    /// From the first request sent to the last answer read.
    pub elapsed: Duration,
    /// SQL statements the app ran (counted only when the app runs in this process).
    pub statements: Option<u64>,
    /// Requests that failed or answered with errors.
    pub errors: usize,
    /// CPU time the server used (the process's, less the load generator's threads'; on
    /// SQLite that includes the database's own work, which on PostgreSQL is another process).
    pub server_cpu: Duration,
}

impl Run {
    /// Requests answered per second.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// SQL statements per request, when counted.
    pub fn statements_per_request(&self) -> Option<f64> {
        self.statements
            .map(|s| s as f64 / self.latencies.len().max(1) as f64)
    }

    /// Server CPU milliseconds per request.
    pub fn cpu_ms_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e3 / self.latencies.len().max(1) as f64
    }
}

/// A load generator running on two threads of its own, beside the app's.
pub struct LoadClient {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Default for LoadClient {
    fn default() -> Self {
        Self::new()
    }
}

impl LoadClient {
    /// Starts the generator's threads.
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(CLIENT_THREADS)
            .enable_all()
            .build()
            .expect("the load generator's runtime");
        Self {
            runtime: Some(runtime),
        }
    }

    /// Sends `requests` requests of `query` to the service in `server`, a process of its own,
    /// and measures them with that process's CPU time (statements are not counted).
    pub async fn run_against(
        &self,
        server: &ServerProcess,
        token: &str,
        (query, variables): (&str, Value),
        requests: usize,
        concurrency: usize,
    ) -> Run {
        let before = server.cpu_ticks();
        let (latencies, elapsed, errors) = self
            .drive(
                &server.url,
                token,
                (query, variables),
                requests,
                concurrency,
            )
            .await;
        let ticks = server.cpu_ticks().saturating_sub(before);
        Run {
            latencies,
            elapsed,
            statements: None,
            errors,
            server_cpu: Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND),
        }
    }

    /// Sends `requests` requests of `query` with `variables` as the holder of `token`,
    /// `concurrency` at a time, and measures them.
    pub async fn run(
        &self,
        app: &TestApp,
        token: &str,
        (query, variables): (&str, Value),
        requests: usize,
        concurrency: usize,
    ) -> Run {
        let before = app.statements();
        let (process, client) = cpu_ticks();
        let (latencies, elapsed, errors) = self
            .drive(
                &app.graphql_url(),
                token,
                (query, variables),
                requests,
                concurrency,
            )
            .await;
        let (process_after, client_after) = cpu_ticks();
        // A generator thread that ended during the run took its time out of the threads' sum.
        let server_ticks = process_after
            .saturating_sub(process)
            .saturating_sub(client_after.saturating_sub(client));
        Run {
            latencies,
            elapsed,
            statements: Some(app.statements() - before),
            errors,
            server_cpu: Duration::from_millis(server_ticks * 1000 / TICKS_PER_SECOND),
        }
    }

    /// Sends the requests from the generator's threads: sorted latencies, the time taken and
    /// the failures.
    async fn drive(
        &self,
        url: &str,
        token: &str,
        (query, variables): (&str, Value),
        requests: usize,
        concurrency: usize,
    ) -> (Vec<Duration>, Duration, usize) {
        let runtime = self.runtime.as_ref().expect("running");
        let body = json!({ "query": query, "variables": variables }).to_string();
        runtime
            .spawn(send(
                url.to_owned(),
                token.to_owned(),
                body,
                requests,
                concurrency,
            ))
            .await
            .expect("the load generator ran")
    }
}

/// The service running in a process of its own, so that its memory and CPU time are its own.
pub struct ServerProcess {
    child: std::process::Child,
    /// Its `/graphql` URL.
    pub url: String,
}

impl ServerProcess {
    /// Runs `program` with `args` and the environment variable `env`; it must print the port
    /// it listens on as its first line.
    pub fn start(program: &std::path::Path, args: &[&str], env: (&str, &str)) -> Self {
        use std::io::BufRead;

        let mut child = std::process::Command::new(program)
            .args(args)
            .env(env.0, env.1)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the service starts");
        let mut output = std::io::BufReader::new(child.stdout.take().expect("its output"));
        let mut line = String::new();
        output
            .read_line(&mut line)
            .expect("the service prints its port");
        let port: u16 = line.trim().parse().expect("a port");
        // Whatever it prints later is read and dropped, so that it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut output, &mut std::io::sink()));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/graphql"),
        }
    }

    fn cpu_ticks(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .ok()
            .and_then(|s| ticks(&s))
            .unwrap_or_default()
    }

    /// Its peak resident memory so far, in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        peak_rss_kib_of(&self.child.id().to_string())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LoadClient {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn send(
    url: String,
    token: String,
    body: String,
    requests: usize,
    concurrency: usize,
) -> (Vec<Duration>, Duration, usize) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let per_worker = requests.div_ceil(concurrency);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, url, token, body) = (client.clone(), url.clone(), token.clone(), body.clone());
        workers.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_worker);
            let mut failed = 0;
            for _ in 0..per_worker {
                let t = Instant::now();
                let mut request = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone());
                // An empty token is a caller without one.
                if !token.is_empty() {
                    request = request.bearer_auth(&token);
                }
                let response = request.send().await;
                let ok = match response {
                    Ok(r) => r
                        .json::<Value>()
                        .await
                        .map(|b| b.get("errors").is_none())
                        .unwrap_or(false),
                    Err(_) => false,
                };
                if !ok {
                    failed += 1;
                }
                times.push(t.elapsed());
            }
            (times, failed)
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    for worker in workers {
        if let Ok((times, failed)) = worker.await {
            latencies.extend(times);
            errors += failed;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    (latencies, elapsed, errors)
}
