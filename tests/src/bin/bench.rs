//! A load harness: starts the app in-process on 127.0.0.1 (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`), drives the busiest queries with a bounded number of requests, and
//! prints latency percentiles, throughput, SQL statements per request and the process's peak
//! memory.
//!
//! `cargo run -p shouhu-tests --release --bin bench -- [requests] [concurrency]`
//! (defaults 400 and 8; use the release profile for figures worth comparing).

use std::time::Instant;

use shouhu_tests::{
    Role, TestApp,
    load::{peak_rss_kib, percentile, run},
};

struct Scenario {
    name: &'static str,
    role: Role,
    query: &'static str,
}

const SCENARIOS: [Scenario; 7] = [
    Scenario {
        name: "Q1: children(first: 20) with guardians and each child's last 3 visits, supervisor",
        role: Role::ChildSupervisor,
        query: "{ children(first: 20) { edges { node { id name guardians { name relation } visits(first: 3) { edges { node { visitedAt method } } } } } } }",
    },
    Scenario {
        name: "children(first: 50) with guardians, visits, school",
        role: Role::CivilAffairsOfficer,
        query: "{ children(first: 50) { edges { node { name idNumber address age visitDue lastVisitedAt school { name } guardians { name phone relation } } } } }",
    },
    Scenario {
        name: "myPairedChildren (pairing app home screen)",
        role: Role::Teacher,
        query: "{ myPairedChildren(first: 30) { edges { node { name guardians { name phone } lastVisitedAt openAbsences { absentOn } guardianContacts { summary } } } } }",
    },
    Scenario {
        name: "visits(first: 50), supervisor",
        role: Role::ChildSupervisor,
        query: "{ visits(first: 50) { edges { node { visitedAt method safety { rating } living { rating } } } } }",
    },
    Scenario {
        name: "children(first: 50), analyst (masked)",
        role: Role::Analyst,
        query: "{ children(first: 50) { edges { node { name birthDate riskLevel health { status } } } } }",
    },
    Scenario {
        name: "responsibilityOverview (joint meeting), prefecture",
        role: Role::Analyst,
        query: "{ responsibilityOverview { organization { name } planTasks { assigned open overdue } cases { assigned open overdue } } }",
    },
    Scenario {
        name: "screeningCampaigns with teams, sites and tally, supervisor",
        role: Role::ChildSupervisor,
        query: "{ screeningCampaigns(first: 10) { edges { node { name startsOn endsOn teams { name members { name duty } } tally { children concerns reportsRaised } } } } hazardSites { kind place risk } }",
    },
];

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let requests = args.first().copied().unwrap_or(400).max(1);
    let concurrency = args.get(1).copied().unwrap_or(8).clamp(1, requests);
    let app = TestApp::spawn().await;
    let backend = if shouhu_tests::db::postgres_server().is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("backend: {backend}; {requests} requests per scenario, {concurrency} at a time");

    let login_started = Instant::now();
    for _ in 0..10 {
        app.login_as(Role::Teacher).await;
    }
    println!(
        "login (argon2id verify + token issue): {:?} per sign-in",
        login_started.elapsed() / 10
    );

    for scenario in SCENARIOS {
        let tokens = app.login_as(scenario.role).await;
        let (latencies, elapsed, statements, errors) =
            run(&app, &tokens, scenario.query, requests, concurrency).await;
        let done = latencies.len().max(1);
        println!(
            "{}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, {:.0} req/s, {:.1} SQL statements/request, {} errors",
            scenario.name,
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.95).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            done as f64 / elapsed.as_secs_f64(),
            statements as f64 / done as f64,
            errors,
        );
    }
    app.flush_audit().await;
    if let Some(kib) = peak_rss_kib() {
        println!(
            "peak resident memory of the process (app + harness): {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}
