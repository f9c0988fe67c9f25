//! The audit trail's costs, on the 20-children list with every sensitive field:
//! - its throughput against the same list without those fields, and against the very same
//!   query on an instance whose policy marks nothing sensitive (so the difference is the audit
//!   trail alone: hook, event, index rows, sealing);
//! - the audit bytes each such request adds, and the oldest unsealed event's age while the load
//!   runs (the sealer's lag);
//! - the sealing rate and the time `audit verify` takes over a trail of `events` events.
//!
//! `cargo run -p shouhu-tests --release --bin audit_bench -- [requests] [concurrency] [events]`
//! (defaults 2000, 8, 200000). On PostgreSQL with `TEST_DATABASE_URL`, on SQLite without.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use entity::audit_event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
};
use serde_json::json;
use shouhu::audit::{AuditRecord, chain};
use shouhu_tests::{
    Role, TestApp, Tokens,
    load::{LoadClient, median},
};

/// The service's own allocator (`api/src/main.rs`), so the in-process figures are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SENSITIVE: &str = "{ children(first: 20) { edges { node { id name idNumber address health { status } guardians { name phone idNumber address } } } } }";
const PLAIN: &str = "{ children(first: 20) { edges { node { id name guardians { name } } } } }";

/// Bytes the audit tables hold: the events (on PostgreSQL every partition, with indexes and
/// TOAST) and the record-to-event index with its own index (-1 where the database cannot say).
async fn audit_bytes(app: &TestApp) -> (i64, i64) {
    let db = &app.state.db;
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT COALESCE((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits \
             WHERE inhparent = 'audit_event'::regclass), 0)::bigint \
             + pg_total_relation_size('audit_batch') AS events, \
             pg_total_relation_size('audit_subject') AS subjects"
        }
        _ => {
            "SELECT (SELECT CAST(sum(pgsize) AS INTEGER) FROM dbstat WHERE name LIKE '%audit_event%' \
             OR name LIKE '%audit_batch%') AS events, \
             (SELECT CAST(sum(pgsize) AS INTEGER) FROM dbstat WHERE name LIKE '%audit_subject%') AS subjects"
        }
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .ok()
        .flatten();
    let get = |column: &str| {
        row.as_ref()
            .and_then(|row| row.try_get::<i64>("", column).ok())
            .unwrap_or(-1)
    };
    (get("events"), get("subjects"))
}

/// One run of `query`, in requests per second, and its SQL statements per
/// request.
async fn rate(
    load: &LoadClient,
    app: &TestApp,
    tokens: &Tokens,
    query: &str,
    requests: usize,
    concurrency: usize,
) -> (f64, u64) {
    let run = load
        .run(
            app,
            &tokens.access,
            (query, json!({})),
            requests,
            concurrency,
        )
        .await;
    assert_eq!(run.errors, 0, "the list fails");
    (
        run.throughput(),
        run.statements_per_request().unwrap_or_default().round() as u64,
    )
}

/// Paired runs of the audited and the unaudited query.
const ROUNDS: usize = 6;

/// The shipped policy with nothing marked sensitive, in a file of its own.
fn unaudited_policy() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "shouhu-unaudited-policy-{}.toml",
        uuid::Uuid::now_v7().simple()
    ));
    let text = shouhu::policy::DEFAULT_POLICY.replace(", sensitive = true", "");
    std::fs::write(&path, text).expect("the policy is written");
    path
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let requests = args.first().copied().unwrap_or(2000).max(1);
    let concurrency = args.get(1).copied().unwrap_or(8).clamp(1, requests);
    let events = args.get(2).copied().unwrap_or(200_000);
    let app = TestApp::spawn().await;
    let policy = unaudited_policy();
    let unaudited = TestApp::spawn_with(|c| c.policy_file = Some(policy.clone())).await;
    let backend = match app.state.db.get_database_backend() {
        DatabaseBackend::Postgres => "PostgreSQL",
        _ => "SQLite",
    };
    println!(
        "backend: {backend}; {requests} requests per run, {concurrency} at a time, {ROUNDS} rounds; {events} events for sealing and verify"
    );
    let load = LoadClient::new();
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let unaudited_officer = unaudited.login_as(Role::CivilAffairsOfficer).await;
    // Warm up (connections, statement caches).
    for query in [SENSITIVE, PLAIN] {
        rate(&load, &app, &officer, query, 100, concurrency).await;
        rate(
            &load,
            &unaudited,
            &unaudited_officer,
            query,
            100,
            concurrency,
        )
        .await;
    }
    app.seal_audit().await;

    // The sampler of the sealer's lag runs beside the audited runs.
    let sampling = Arc::new(AtomicBool::new(false));
    let worst_lag = Arc::new(AtomicI64::new(0));
    let sampler = {
        let probe = LagProbe(app.state.clone());
        let sampling = Arc::clone(&sampling);
        let worst_lag = Arc::clone(&worst_lag);
        tokio::spawn(async move {
            loop {
                if sampling.load(Ordering::Relaxed) {
                    worst_lag.fetch_max(probe.unsealed_age_ms().await, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    // This machine's speed drifts by a factor of two over minutes, so the audited query is
    // compared with the unaudited one run right next to it, in alternating order, and the
    // median of those paired ratios is the figure.
    let (mut plain, mut audited, mut bare, mut ratios) = (vec![], vec![], vec![], vec![]);
    let mut bytes_per_request = Vec::new();
    for round in 0..ROUNDS {
        plain.push(rate(&load, &app, &officer, PLAIN, requests, concurrency).await);
        let unaudited_run = || {
            rate(
                &load,
                &unaudited,
                &unaudited_officer,
                SENSITIVE,
                requests,
                concurrency,
            )
        };
        if round % 2 == 0 {
            bare.push(unaudited_run().await);
        }
        app.flush_audit().await;
        let before = audit_bytes(&app).await;
        sampling.store(true, Ordering::Relaxed);
        audited.push(rate(&load, &app, &officer, SENSITIVE, requests, concurrency).await);
        app.flush_audit().await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        sampling.store(false, Ordering::Relaxed);
        let after = audit_bytes(&app).await;
        let per = |after: i64, before: i64| ((after - before) as f64 / requests as f64).round();
        bytes_per_request.push((per(after.0, before.0), per(after.1, before.1)));
        if round % 2 == 1 {
            bare.push(unaudited_run().await);
        }
        if let (Some(a), Some(b)) = (audited.last(), bare.last()) {
            ratios.push(a.0 / b.0);
        }
    }
    sampler.abort();
    let _ = std::fs::remove_file(&policy);
    let by_rate = |run: &(f64, u64)| run.0;
    let (plain, bare, audited) = (
        median(plain, by_rate),
        median(bare, by_rate),
        median(audited, by_rate),
    );
    let ratio = median(ratios.clone(), |r| *r);
    println!(
        "20 children without the sensitive fields: {:.0} req/s, {} SQL statements/request",
        plain.0, plain.1
    );
    println!(
        "20 children with every sensitive field, nothing audited (policy without `sensitive`): {:.0} req/s, {} SQL statements/request",
        bare.0, bare.1
    );
    println!(
        "20 children with every sensitive field, audited (one event per request): {:.0} req/s, {} SQL statements/request",
        audited.0, audited.1,
    );
    println!(
        "audited / unaudited, run by run: {}; median {:.0} %",
        ratios
            .iter()
            .map(|r| format!("{:.0} %", 100.0 * r))
            .collect::<Vec<_>>()
            .join(", "),
        100.0 * ratio
    );
    println!(
        "audit bytes per audited request, (event and batch, record-to-event index rows), tables with their indexes, per run: {bytes_per_request:?}"
    );
    println!(
        "oldest unsealed event during the audited runs (sealer every {} ms): {} ms",
        app.state.config.audit.seal_interval_ms,
        worst_lag.load(Ordering::Relaxed)
    );
    drop(unaudited);

    // Sealing: `events` read events of 20 children and 40 guardians each (as the audited
    // list's), written with their index rows as the background writer writes them, on an
    // instance whose own sealer waits, then sealed from scratch.
    let quiet = TestApp::spawn_with(|c| c.audit.seal_interval_ms = 3_600_000).await;
    quiet.seal_audit().await;
    let keys = &quiet.state.audit_keys;
    let ids = |n| (0..n).map(|_| uuid::Uuid::now_v7()).collect::<Vec<_>>();
    let detail = json!({ "read": [
        { "type": "Child", "fields": ["address", "health", "idNumber"], "ids": ids(20) },
        { "type": "Guardian", "fields": ["address", "idNumber", "phone"], "ids": ids(40) },
    ] });
    let actor = uuid::Uuid::now_v7();
    let written = Instant::now();
    let mut left = events;
    while left > 0 {
        let chunk = left.min(1_000);
        left -= chunk;
        let (rows, index): (Vec<_>, Vec<_>) = (0..chunk)
            .map(|_| {
                let mut record =
                    AuditRecord::new(&keys.mac, "read", chrono::Utc::now(), Some("bench".into()))
                        .with(detail.clone());
                record.actor = Some((actor, "civil_affairs_officer".into()));
                record.into_rows()
            })
            .unzip();
        let txn = shouhu::db::begin_write(&quiet.state.db)
            .await
            .expect("a transaction");
        audit_event::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .expect("events inserted");
        shouhu::audit::index(&txn, &index.into_iter().flatten().collect::<Vec<_>>())
            .await
            .expect("index rows inserted");
        txn.commit().await.expect("committed");
    }
    println!(
        "wrote {events} unsealed events in {:.1} s",
        written.elapsed().as_secs_f64()
    );
    let sealing = Instant::now();
    let sealed = chain::seal_all(
        &quiet.state.db,
        keys,
        chrono::Utc::now() + chrono::TimeDelta::minutes(5),
    )
    .await
    .expect("sealed");
    let took = sealing.elapsed();
    println!(
        "sealing: {sealed} events in {:.2} s, {:.0} events/s",
        took.as_secs_f64(),
        sealed as f64 / took.as_secs_f64()
    );
    let verifying = Instant::now();
    let verdict = chain::verify(
        &quiet.state.db,
        keys,
        &quiet.checkpoints.0,
        1,
        chrono::Utc::now(),
    )
    .await
    .expect("verified");
    let took = verifying.elapsed();
    let total = match verdict {
        chain::Verdict::Intact { sealed, .. } => sealed,
        broken => panic!("the trail does not verify: {broken:?}"),
    };
    println!(
        "audit verify: {total} events in {:.2} s, {:.1} s per million events",
        took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / total.max(1) as f64
    );
}

/// Measures the sealer's lag on the app's state (the sampler task cannot borrow the app).
struct LagProbe(shouhu::state::AppState);

impl LagProbe {
    /// Milliseconds since the oldest event waiting to be sealed was written (0 when none waits).
    async fn unsealed_age_ms(&self) -> i64 {
        let oldest = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.is_null())
            .filter(audit_event::Column::RefusedAt.is_null())
            .order_by_asc(audit_event::Column::Id)
            .one(&self.0.db)
            .await
            .ok()
            .flatten();
        oldest.map_or(0, |e| {
            (chrono::Utc::now() - e.occurred_at).num_milliseconds()
        })
    }
}
