//! A load harness: starts the app in-process on 127.0.0.1 (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`) over the demo data grown by the generator, drives the busiest screens
//! with a bounded number of requests, and prints for each its latency percentiles, throughput,
//! SQL statements and server CPU time per request; on PostgreSQL also the floor: the same rows
//! fetched with plain SQL, one statement per level, by `pgbench` (the scripts are in
//! `tests/bench/`), with Shouhu's share of it. Last, Q1 at 64 clients against the service
//! in a process of its own, with that process's CPU time and peak memory.
//!
//! `cargo run -p shouhu-tests --release --bin bench -- [requests] [concurrency] [children]
//! [scenario]` (defaults 400, 16, 50,000 and every scenario; a scenario is chosen by the start
//! of its name, such as `Q1`; use the release profile for figures worth comparing). With
//! `TEST_DATABASE_REPLICA_URL` as well, the reading work (statistics, `totalCount`, downloads)
//! reads that streaming replica, and the replica's metrics are printed last.
//!
//! `… --bin bench -- limits` sends documents of at most 4 KB built to cost the most (fragments
//! that spread each other twice or eight times over, thousands of aliases or repeated fields,
//! deep nesting, introspection chains) and prints, for each, the code it is answered with, the
//! time the query limits take to measure it, and the server's CPU time per request.
//!
//! `… --bin bench -- export [children]` downloads the whole ledger (the demo's children and
//! `children` generated ones, 50,000 by default) as CSV and as XLSX, as a civil affairs officer
//! of the prefecture (the demo officer moved to the prefecture's bureau for the run), and prints
//! for each format the rows, bytes, time and how much the process's peak resident memory grew.
//!
//! `… --bin bench -- compare OTHER [requests] [concurrency] [children]` compares this build
//! with another build of this harness (the path of its binary): both serve Q1 from processes of
//! their own over the same database, in alternating runs (the other first every second round),
//! and each round prints both builds' throughput and CPU time per request, then the medians of
//! the rounds' ratios. On a machine whose speed drifts, separate runs of the two builds cannot
//! be compared; runs side by side can.

use std::{path::PathBuf, process::Command, time::Instant};

use entity::{account, child, organization};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use shouhu::graphql::ids;
use shouhu_tests::{
    Role, TestApp,
    load::{LoadClient, Run, ServerProcess, median, peak_rss_kib, percentile},
};
use uuid::Uuid;

/// The service's own allocator (`api/src/main.rs`), so the in-process figures are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The variable that gives the generator and the service in processes of their own the
/// database URL.
const CHILD_DATABASE: &str = "SHOUHU_BENCH_DATABASE_URL";

/// The demo accounts' township, where the supervisor looks.
const TOWNSHIP_PATH: &str = "652700/652701/652701100/";

struct Scenario {
    name: &'static str,
    role: Role,
    query: &'static str,
    /// The floor's pgbench script in `tests/bench/`, if it has one.
    floor: Option<&'static str>,
}

const SCENARIOS: [Scenario; 10] = [
    Scenario {
        name: "Q1: a township's children(first: 20) with guardians and each child's last 3 visits (supervisor)",
        role: Role::ChildSupervisor,
        query: "{ children(first: 20) { edges { node { id name guardians { name relation } visits(first: 3) { edges { node { visitedAt method } } } } } } }",
        floor: Some("q1.sql"),
    },
    Scenario {
        name: "Q2: one child with every ledger field, guardians and all visits (supervisor)",
        role: Role::ChildSupervisor,
        query: "query($id: ID!) { child(id: $id) { id name gender ethnicity age birthDate idNumber address grade leftBehindType livingArrangement health { status illness disabilityCategory disabilityGrade } riskLevel status statusReason statusChangedOn reviewedAt reviewDue needsReport householdRegistered householdRegistrationPlace schoolingStage boarding guardianshipQuality incomeSources benefits filledBy filledOn reviewedBy approvedBy needsGuardian version createdAt updatedAt guardians { id name relation isEntrusted isPrimary phone idNumber address workLocation guardianshipCapacity version } visits(first: 100) { edges { node { id visitedAt method visitorRole living { rating note } guardianship { rating note } schooling { rating note } health { rating note } safety { rating note } followUpNeeded nextPlannedOn recordedAt } } } } }",
        floor: Some("q2.sql"),
    },
    Scenario {
        name: "teacher's home screen: myPairedChildren with guardians, last visit, absences, contacts",
        role: Role::Teacher,
        query: "{ myPairedChildren(first: 30) { edges { node { name guardians { name phone } lastVisitedAt visitDue openAbsences { absentOn } guardianContacts { summary } } } } }",
        floor: Some("teacher.sql"),
    },
    Scenario {
        name: "police inbox: reports(first: 20) with deadlines, child and place",
        role: Role::PoliceOfficer,
        query: "{ reports(first: 20) { edges { node { category urgency state submittedAt deadline overdue child { name } region { name } } } } }",
        floor: Some("police.sql"),
    },
    Scenario {
        name: "joint meeting: responsibilityOverview (analyst, prefecture)",
        role: Role::Analyst,
        query: "{ responsibilityOverview { organization { name } planTasks { assigned open overdue } cases { assigned open overdue } } }",
        floor: None,
    },
    Scenario {
        name: "children(first: 50) with ID numbers, addresses, school, guardians' phones (county officer)",
        role: Role::CivilAffairsOfficer,
        query: "{ children(first: 50) { edges { node { name idNumber address age visitDue lastVisitedAt school { name } guardians { name phone relation } } } } }",
        floor: None,
    },
    Scenario {
        name: "children(first: 50), masked (Women's Federation)",
        role: Role::WomensFederationWorker,
        query: "{ children(first: 50) { edges { node { name birthDate address riskLevel health { status } } } } }",
        floor: None,
    },
    Scenario {
        name: "childStatistics: counties by living arrangement, protected (analyst, prefecture)",
        role: Role::Analyst,
        query: "{ childStatistics(level: COUNTY, by: [LIVING_ARRANGEMENT]) { total rows { region { name } total cells { values count } } } }",
        floor: None,
    },
    Scenario {
        name: "visitCompliance: townships, the last 12 months, protected (analyst, prefecture)",
        role: Role::Analyst,
        query: "{ visitCompliance(level: TOWNSHIP) { lines { region { name } month due visited rate } } }",
        floor: None,
    },
    Scenario {
        name: "reportStatistics: counties by category per quarter, stage times, protected (analyst, prefecture)",
        role: Role::Analyst,
        query: "{ reportStatistics(level: COUNTY, grain: QUARTER, by: [CATEGORY]) { lines { region { name } period values count stages { stage reached medianMinutes p90Minutes missed } } } }",
        floor: None,
    },
];

/// What pgbench measured.
struct Floor {
    throughput: f64,
    p99_ms: f64,
}

fn pgbench() -> Option<PathBuf> {
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin/pgbench"));
    std::env::var_os("PGBENCH")
        .map(PathBuf::from)
        .into_iter()
        .chain(installed)
        .find(|p| p.is_file())
}

/// Runs `script` with pgbench for five seconds at `concurrency` clients.
fn floor(
    database_url: &str,
    script: &str,
    variables: &[(&str, String)],
    concurrency: usize,
) -> Option<Floor> {
    let pgbench = pgbench()?;
    let dir = std::env::temp_dir().join(format!("shouhu-floor-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("bench")
        .join(script);
    let mut command = Command::new(pgbench);
    command
        .args(["--no-vacuum", "--time=5", "--jobs=2", "--log"])
        .arg(format!("--client={concurrency}"))
        .arg(format!("--log-prefix={}", dir.join("tx").display()))
        .arg(format!("--file={}", path.display()));
    for (name, value) in variables {
        command.arg(format!("--define={name}={value}"));
    }
    let output = command.arg(database_url).output().ok()?;
    if !output.status.success() {
        eprintln!(
            "pgbench {script} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let report = String::from_utf8_lossy(&output.stdout);
    let throughput = report
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // Each transaction's log line: client, transaction, latency in µs, ...
    let mut latencies: Vec<u64> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter_map(|f| std::fs::read_to_string(f.path()).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.split_whitespace().nth(2)?.parse().ok())
                .collect::<Vec<u64>>()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    latencies.sort_unstable();
    let index = ((latencies.len().max(1) - 1) as f64 * 0.99).round() as usize;
    Some(Floor {
        throughput,
        p99_ms: latencies.get(index).copied().unwrap_or_default() as f64 / 1e3,
    })
}

/// The generator, run in a process of its own so that its memory does not count as the
/// server's.
async fn generate(database_url: &str, children: u32) {
    let config = shouhu::config::Config {
        database_url: database_url.to_owned(),
        ..Default::default()
    };
    let db = shouhu::db::connect(&config).await.expect("connected");
    let counts = shouhu::demo::scale::load(&db, children, chrono::Utc::now())
        .await
        .expect("generated");
    println!("{counts:?}");
}

/// The app in-process with the service's own pool size, over the demo data grown by
/// `children` generated children (loaded by the generator in a process of its own), and
/// whether it runs on PostgreSQL. With `TEST_DATABASE_REPLICA_URL` its reading work reads the
/// replica, once the replica has caught up with the generated data.
async fn grown(children: usize) -> (TestApp, bool) {
    let replica = shouhu_tests::db::replica_server();
    let app = TestApp::spawn_with(|c| {
        c.database_max_connections = shouhu::config::Config::default().database_max_connections;
        c.database_replica_url = replica
            .as_deref()
            .map(|server| shouhu_tests::db::same_database_on(server, &c.database_url));
    })
    .await;
    let postgres = shouhu_tests::db::postgres_server().is_some();
    let started = Instant::now();
    let generated = Command::new(std::env::current_exe().expect("this program"))
        .args(["generate", &children.to_string()])
        .env(CHILD_DATABASE, &app.state.config.database_url)
        .output()
        .expect("the generator runs");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    println!(
        "backend: {}; {children} generated children loaded in {:.1} s: {}",
        if postgres { "PostgreSQL" } else { "SQLite" },
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&generated.stdout).trim()
    );
    if replica.is_some() {
        let waited = Instant::now();
        while !replica_reads(&app).await.contains("shouhu_db_replica_up 1") {
            assert!(
                waited.elapsed().as_secs() < 120,
                "the replica did not catch up within 2 minutes"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        println!(
            "replica: in use {:.1} s after the data was generated",
            waited.elapsed().as_secs_f64()
        );
    }
    (app, postgres)
}

/// The replica's lines of the app's metrics.
async fn replica_reads(app: &TestApp) -> String {
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("the metrics answer")
        .text()
        .await
        .expect("the metrics read");
    text.lines()
        .filter(|line| line.starts_with("shouhu_db_replica_"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The ledger downloaded whole as CSV and XLSX (see the module's documentation).
async fn export(children: usize) {
    let (app, _) = grown(children).await;
    let db = &app.state.db;
    let prefecture = organization::Entity::find()
        .filter(organization::Column::Code.eq("unit:civil_affairs"))
        .one(db)
        .await
        .expect("read")
        .expect("the prefecture's civil affairs bureau");
    account::Entity::update_many()
        .col_expr(
            account::Column::OrganizationId,
            sea_orm::sea_query::Expr::value(prefecture.id),
        )
        .filter(account::Column::Username.eq("demo.civil_affairs_officer"))
        .exec(db)
        .await
        .expect("the officer moved");
    let token = app.login_as(Role::CivilAffairsOfficer).await.access;
    println!("format | rows | bytes | time | peak RSS before | peak RSS after | growth");
    for format in ["csv", "xlsx"] {
        let before = peak_rss_kib().unwrap_or_default();
        let started = Instant::now();
        let mut response = app
            .client
            .get(format!("{}/exports/ledger.{format}", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .expect("the download starts");
        assert_eq!(response.status(), 200, "{format}");
        let (mut bytes, mut lines) = (0_usize, 0_usize);
        while let Some(chunk) = response.chunk().await.expect("the download goes on") {
            bytes += chunk.len();
            lines += chunk.iter().filter(|&&b| b == b'\n').count();
        }
        let elapsed = started.elapsed();
        let after = peak_rss_kib().unwrap_or_default();
        let rows = if format == "csv" {
            lines.saturating_sub(1).to_string()
        } else {
            "(as the CSV)".to_owned()
        };
        println!(
            "{format} | {rows} | {:.1} MiB | {:.1} s | {:.0} MiB | {:.0} MiB | {:.0} MiB",
            bytes as f64 / 1_048_576.0,
            elapsed.as_secs_f64(),
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            after.saturating_sub(before) as f64 / 1024.0,
        );
    }
}

/// Documents of at most 4 KB built to cost the most, with the role that sends them (`None`:
/// without a token).
fn costly_documents() -> Vec<(&'static str, Option<Role>, String)> {
    const BUDGET: usize = 4096;
    // Fragments that spread the next `fan` times each, as many levels as fit in the budget.
    let doubling = |root: &str, on: &str, leaf: &str, fan: usize| {
        let mut levels = 0;
        loop {
            let mut document = format!("{{ {root} }}\n");
            for level in 0..=levels {
                let spreads = format!("...F{} ", level + 1).repeat(fan);
                document.push_str(&format!("fragment F{level} on {on} {{ {spreads}}}\n"));
            }
            document.push_str(&format!("fragment F{} on {on} {{ {leaf} }}\n", levels + 1));
            if document.len() > BUDGET || levels == 30 {
                return document;
            }
            levels += 1;
        }
    };
    // `unit` repeated to fill the budget inside `{ … }`.
    let fill = |prefix: &str, unit: &dyn Fn(usize) -> String, suffix: &str| {
        let mut document = prefix.to_owned();
        let mut n = 0;
        while document.len() + unit(n).len() + suffix.len() < BUDGET {
            document.push_str(&unit(n));
            n += 1;
        }
        document + suffix
    };
    let nested = |levels: usize| {
        format!(
            "{{ regions {{ {}code{} }} }}",
            "children { ".repeat(levels),
            " }".repeat(levels)
        )
    };
    vec![
        (
            "fragments doubling on me",
            None,
            doubling("me { ...F0 }", "Account", "username", 2),
        ),
        (
            "fragments doubling on me (teacher)",
            Some(Role::Teacher),
            doubling("me { ...F0 }", "Account", "username", 2),
        ),
        (
            "fragments doubling __typename at the root",
            None,
            doubling("...F0", "Query", "__typename", 2),
        ),
        (
            "fragments spreading the next 8 times (teacher)",
            Some(Role::Teacher),
            doubling("me { ...F0 }", "Account", "username", 8),
        ),
        (
            "unused fragments doubling (teacher)",
            Some(Role::Teacher),
            doubling("__typename", "Query", "__typename", 2),
        ),
        (
            "aliases filling 4 KB (teacher)",
            Some(Role::Teacher),
            fill("{ ", &|n| format!("a{n}: __typename "), "}"),
        ),
        (
            "one field repeated to fill 4 KB (teacher)",
            Some(Role::Teacher),
            fill("{ me { ", &|_| "username ".to_owned(), "} }"),
        ),
        (
            "fragments filling 4 KB, all spread (teacher)",
            Some(Role::Teacher),
            {
                let count = 90;
                let spreads: String = (0..count).map(|n| format!("...G{n} ")).collect();
                let fragments: String = (0..count)
                    .map(|n| format!("fragment G{n} on Query {{ __typename }}\n"))
                    .collect();
                format!("{{ {spreads}}}\n{fragments}")
            },
        ),
        (
            "nesting 60 deep (teacher)",
            Some(Role::Teacher),
            nested(60),
        ),
        (
            "introspection chain 16 deep (teacher)",
            Some(Role::Teacher),
            "{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } } }".to_owned(),
        ),
        (
            "the standard introspection query",
            None,
            STANDARD_INTROSPECTION.to_owned(),
        ),
        (
            "Q1 (supervisor)",
            Some(Role::ChildSupervisor),
            SCENARIOS[0].query.to_owned(),
        ),
    ]
}

/// The query GraphiQL and most client tools send to read a schema.
const STANDARD_INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } types { ...FullType } directives { name description locations args { ...InputValue } } } } fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } } fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue } fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

/// What the query limits cost: each costly document measured in-process, then sent over HTTP.
async fn limits() {
    let app = TestApp::spawn().await;
    let client = LoadClient::new();
    let limits = &app.state.limits;
    println!(
        "{:<48} {:>6} {:>26} {:>12} {:>14}",
        "document", "bytes", "answer", "measure µs", "server CPU ms"
    );
    for (name, role, document) in costly_documents() {
        let token = match role {
            Some(role) => Some(app.login_as(role).await.access),
            None => None,
        };
        // Parsing and measuring, as `/graphql` does before anything else sees the document.
        let rounds = 200;
        let started = Instant::now();
        for _ in 0..rounds {
            let parsed = async_graphql::parser::parse_query(&document).expect("it parses");
            let _ = limits.check(
                &parsed,
                &async_graphql::Variables::default(),
                role.is_none(),
            );
        }
        let measure = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        let answer = app.gql(token.as_deref(), &document, json!({})).await;
        let code = if answer.body["errors"].is_null() {
            format!("{} OK", answer.status.as_u16())
        } else {
            format!("{} {}", answer.status.as_u16(), answer.code())
        };
        let run = client
            .run(
                &app,
                token.as_deref().unwrap_or_default(),
                (&document, json!({})),
                100,
                4,
            )
            .await;
        println!(
            "{name:<48} {:>6} {code:>26} {measure:>12.1} {:>14.2}",
            document.len(),
            run.cpu_ms_per_request()
        );
    }
}

/// Rounds of [`compare`]: each serves Q1 from both builds.
const COMPARE_ROUNDS: usize = 6;

/// This build against `other` (another build of this harness), side by side: see the module's
/// documentation.
async fn compare(other: PathBuf, requests: usize, concurrency: usize, children: usize) {
    let (app, _) = grown(children).await;
    let database_url = app.state.config.database_url.clone();
    let ours = ServerProcess::start(
        &std::env::current_exe().expect("this program"),
        &["serve"],
        (CHILD_DATABASE, &database_url),
    );
    let theirs = ServerProcess::start(&other, &["serve"], (CHILD_DATABASE, &database_url));
    let token = app.login_as(Role::ChildSupervisor).await.access;
    let q1 = || (SCENARIOS[0].query, Value::Null);
    let load = LoadClient::new();
    for server in [&ours, &theirs] {
        load.run_against(server, &token, q1(), concurrency * 8, concurrency)
            .await;
    }
    println!(
        "Q1, {requests} requests per run, {concurrency} at a time; this build against {}",
        other.display()
    );
    let mut rounds = Vec::new();
    for round in 0..COMPARE_ROUNDS {
        let the_other_first = round % 2 == 1;
        let order = if the_other_first {
            [&theirs, &ours]
        } else {
            [&ours, &theirs]
        };
        let mut runs = Vec::new();
        for server in order {
            runs.push(
                load.run_against(server, &token, q1(), requests, concurrency)
                    .await,
            );
        }
        if the_other_first {
            runs.reverse();
        }
        let (this, that) = (&runs[0], &runs[1]);
        let ratios = (
            this.throughput() / that.throughput(),
            this.cpu_ms_per_request() / that.cpu_ms_per_request(),
        );
        println!(
            "  round {}: this build {:.0} req/s, {:.2} ms CPU/request; the other {:.0} req/s, {:.2} ms; throughput {:.2}x, CPU {:.2}x",
            round + 1,
            this.throughput(),
            this.cpu_ms_per_request(),
            that.throughput(),
            that.cpu_ms_per_request(),
            ratios.0,
            ratios.1,
        );
        rounds.push(ratios);
    }
    println!(
        "median of the rounds: throughput {:.2}x, CPU per request {:.2}x the other build's",
        median(rounds.clone(), |r| r.0).0,
        median(rounds, |r| r.1).1,
    );
}

/// The service alone, for its memory and CPU: prints its port, then serves.
async fn serve(database_url: &str) {
    let checkpoints = std::env::temp_dir().join(format!(
        "shouhu-bench-checkpoints-{}.jsonl",
        Uuid::now_v7().simple()
    ));
    let mut config = shouhu_tests::test_config(database_url, &checkpoints);
    config.database_max_connections = shouhu::config::Config::default().database_max_connections;
    let app = shouhu::app::Application::build(config)
        .await
        .expect("the service builds");
    println!("{}", app.port());
    app.run_until_stopped().await.expect("served");
}

fn print(name: &str, run: &Run) {
    println!(
        "{name}\n  p50 {:.1} ms, p99 {:.1} ms, {:.0} req/s, {}{:.2} ms server CPU/request, {} errors",
        percentile(&run.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&run.latencies, 0.99).as_secs_f64() * 1e3,
        run.throughput(),
        run.statements_per_request()
            .map(|s| format!("{s:.1} statements/request, "))
            .unwrap_or_default(),
        run.cpu_ms_per_request(),
        run.errors,
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The database URL reaches the generator and the service in the environment, out of
    // sight of `ps`.
    let child_database = std::env::var(CHILD_DATABASE).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("generate") => {
            let children = args.get(1).and_then(|n| n.parse().ok());
            generate(&child_database, children.expect("a number of children")).await;
            return;
        }
        Some("serve") => {
            serve(&child_database).await;
            return;
        }
        Some("limits") => {
            limits().await;
            return;
        }
        Some("export") => {
            let children = args.get(1).and_then(|n| n.parse().ok());
            export(children.unwrap_or(50_000)).await;
            return;
        }
        _ => {}
    }
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let requests = numbers.first().copied().unwrap_or(400).max(1);
    let concurrency = numbers.get(1).copied().unwrap_or(16).clamp(1, requests);
    let children = numbers.get(2).copied().unwrap_or(50_000);
    if args.first().map(String::as_str) == Some("compare") {
        let other = args.get(1).expect("the other build's binary");
        compare(PathBuf::from(other), requests, concurrency, children).await;
        return;
    }
    let chosen = args.iter().find(|a| a.parse::<usize>().is_err());

    let (app, postgres) = grown(children).await;
    let database_url = app.state.config.database_url.clone();
    println!("{requests} requests per scenario, {concurrency} at a time");

    let login_started = Instant::now();
    for _ in 0..10 {
        app.login_as(Role::Teacher).await;
    }
    println!(
        "login (argon2id verify + token issue): {:?} per sign-in",
        login_started.elapsed() / 10
    );

    let db = &app.state.db;
    let first_child = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with(TOWNSHIP_PATH))
        .order_by_asc(child::Column::Id)
        .one(db)
        .await
        .expect("read")
        .expect("a child in the township");
    let teacher = account::Entity::find()
        .filter(account::Column::Username.eq("demo.teacher"))
        .one(db)
        .await
        .expect("read")
        .expect("the demo teacher");
    let police = organization::Entity::find()
        .filter(organization::Column::Code.eq("public_security:652701"))
        .select_only()
        .column(organization::Column::Id)
        .into_tuple::<Uuid>()
        .one(db)
        .await
        .expect("read")
        .expect("the county police");
    let quoted = |text: String| format!("'{text}'");
    let floor_variables = [
        ("township", quoted(format!("{TOWNSHIP_PATH}%"))),
        ("child", quoted(first_child.id.to_string())),
        ("teacher", quoted(teacher.id.to_string())),
        ("police", quoted(police.to_string())),
    ];
    let child_id = ids::encode(shouhu::domain::kind::Kind::Child, first_child.id);

    let load = LoadClient::new();
    let scenarios = SCENARIOS
        .iter()
        .filter(|s| chosen.is_none_or(|c| s.name.starts_with(c.as_str())));
    for scenario in scenarios {
        let tokens = app.login_as(scenario.role).await;
        let variables = if scenario.query.contains("$id") {
            json!({ "id": child_id })
        } else {
            Value::Null
        };
        // Warm up: connections, caches, the first statements.
        load.run(
            &app,
            &tokens.access,
            (scenario.query, variables.clone()),
            concurrency * 2,
            concurrency,
        )
        .await;
        let run = load
            .run(
                &app,
                &tokens.access,
                (scenario.query, variables),
                requests,
                concurrency,
            )
            .await;
        print(scenario.name, &run);
        let Some(script) = scenario.floor else {
            continue;
        };
        if !postgres {
            println!("  floor: measured on PostgreSQL only");
        } else if let Some(floor) = floor(&database_url, script, &floor_variables, concurrency) {
            println!(
                "  floor (pgbench {script}): {:.0} tx/s, p99 {:.1} ms; Shouhu serves {:.1} % of it",
                floor.throughput,
                floor.p99_ms,
                100.0 * run.throughput() / floor.throughput
            );
        } else {
            println!("  floor: not measured (pgbench not found, or it failed as printed above)");
        }
    }

    let server = ServerProcess::start(
        &std::env::current_exe().expect("this program"),
        &["serve"],
        (CHILD_DATABASE, &database_url),
    );
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    // Warm up: its connections, caches and first statements.
    load.run_against(
        &server,
        &supervisor.access,
        (SCENARIOS[0].query, Value::Null),
        128,
        64,
    )
    .await;
    let crowd = load
        .run_against(
            &server,
            &supervisor.access,
            (SCENARIOS[0].query, Value::Null),
            requests.max(640),
            64,
        )
        .await;
    print(
        "Q1 at 64 clients, the service in a process of its own",
        &crowd,
    );
    if let Some(kib) = server.peak_rss_kib() {
        println!(
            "  peak resident memory of the service: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
    if shouhu_tests::db::replica_server().is_some() {
        println!("{}", replica_reads(&app).await);
    }
    app.flush_audit().await;
    if let Some(kib) = peak_rss_kib() {
        println!(
            "peak resident memory of the bench process (service, harness and load generator): {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}
