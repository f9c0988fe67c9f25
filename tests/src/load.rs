//! Load helpers shared by the benchmark binaries: a bounded run of one query at a fixed
//! concurrency, latency percentiles and the process's peak memory.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{TestApp, Tokens};

/// The latency at percentile `p` (0 to 1) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// The process's peak resident memory, in KiB (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Sends `requests` requests of `query` with `tokens`, `concurrency` at a time; returns the
/// sorted latencies, the elapsed time, the SQL statements run and the failures.
pub async fn run(
    app: &TestApp,
    tokens: &Tokens,
    query: &str,
    requests: usize,
    concurrency: usize,
) -> (Vec<Duration>, Duration, u64, usize) {
    let before = app.statements();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    let per_worker = requests / concurrency;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let client = app.client.clone();
        let url = app.graphql_url();
        let token = tokens.access.clone();
        let query = query.to_owned();
        workers.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_worker);
            let mut failed = 0;
            for _ in 0..per_worker {
                let t = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "query": query }))
                    .send()
                    .await;
                let ok = match response {
                    Ok(r) => r
                        .json::<serde_json::Value>()
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
    for worker in workers {
        if let Ok((times, failed)) = worker.await {
            latencies.extend(times);
            errors += failed;
        }
    }
    let elapsed = started.elapsed();
    let statements = app.statements() - before;
    latencies.sort();
    (latencies, elapsed, statements, errors)
}
