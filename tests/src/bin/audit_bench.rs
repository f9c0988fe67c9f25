//! The audit trail's costs: the 20-children list with every sensitive field against the same
//! list without them (each sensitive read is one audit event), the audit bytes each such request
//! adds, the oldest unsealed event's age while the load runs (the sealer's lag), then the
//! sealing rate and the time `audit verify` takes over a trail of `events` events.
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
use shouhu_tests::{Role, TestApp, load::run};

const SENSITIVE: &str = "{ children(first: 20) { edges { node { id name idNumber address health { status } guardians { name phone idNumber address } } } } }";
const PLAIN: &str =
    "{ children(first: 20) { edges { node { id name grade guardians { name relation } } } } }";

/// Bytes the audit tables hold (on PostgreSQL, every partition with its indexes and TOAST).
async fn audit_bytes(app: &TestApp) -> i64 {
    let db = &app.state.db;
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT (COALESCE((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits \
             WHERE inhparent = 'audit_event'::regclass), 0) \
             + pg_total_relation_size('audit_subject') + pg_total_relation_size('audit_batch'))::bigint AS bytes"
        }
        _ => {
            "SELECT CAST(sum(pgsize) AS INTEGER) AS bytes FROM dbstat \
             WHERE name LIKE '%audit%'"
        }
    };
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<i64>("", "bytes").ok())
        .unwrap_or(-1)
}

fn rate(done: usize, elapsed: Duration) -> f64 {
    done as f64 / elapsed.as_secs_f64()
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
    let backend = match app.state.db.get_database_backend() {
        DatabaseBackend::Postgres => "PostgreSQL",
        _ => "SQLite",
    };
    println!(
        "backend: {backend}; {requests} requests per run, {concurrency} at a time; {events} events for sealing and verify"
    );
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    // Warm up both queries (connections, statement caches).
    run(&app, &officer, SENSITIVE, 100, concurrency).await;
    run(&app, &officer, PLAIN, 100, concurrency).await;
    app.seal_audit().await;

    // The sampler of the sealer's lag runs beside the sensitive runs.
    let sampling = Arc::new(AtomicBool::new(false));
    let worst_lag = Arc::new(AtomicI64::new(0));
    let sampler = {
        let app_state = app.state.clone();
        let sampling = Arc::clone(&sampling);
        let worst_lag = Arc::clone(&worst_lag);
        let probe = LagProbe(app_state);
        tokio::spawn(async move {
            loop {
                if sampling.load(Ordering::Relaxed) {
                    let lag = probe.unsealed_age_ms().await;
                    worst_lag.fetch_max(lag, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let mut sensitive_rates = Vec::new();
    let mut plain_rates = Vec::new();
    let mut bytes_per_request = Vec::new();
    for _ in 0..2 {
        let (latencies, elapsed, _, errors) =
            run(&app, &officer, PLAIN, requests, concurrency).await;
        assert_eq!(errors, 0, "the plain list fails");
        plain_rates.push(rate(latencies.len(), elapsed));

        app.flush_audit().await;
        let before = audit_bytes(&app).await;
        sampling.store(true, Ordering::Relaxed);
        let (latencies, elapsed, _, errors) =
            run(&app, &officer, SENSITIVE, requests, concurrency).await;
        assert_eq!(errors, 0, "the sensitive list fails");
        sensitive_rates.push(rate(latencies.len(), elapsed));
        app.flush_audit().await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        sampling.store(false, Ordering::Relaxed);
        let after = audit_bytes(&app).await;
        bytes_per_request.push((after - before) as f64 / latencies.len() as f64);
    }
    sampler.abort();
    let best = |rates: &[f64]| rates.iter().copied().fold(0.0, f64::max);
    println!(
        "20 children, no sensitive field: {:.0} req/s (runs: {:?})",
        best(&plain_rates),
        plain_rates.iter().map(|r| r.round()).collect::<Vec<_>>()
    );
    println!(
        "20 children, every sensitive field (one audit event each): {:.0} req/s (runs: {:?}), {:.0} % of the plain list",
        best(&sensitive_rates),
        sensitive_rates
            .iter()
            .map(|r| r.round())
            .collect::<Vec<_>>(),
        100.0 * best(&sensitive_rates) / best(&plain_rates)
    );
    println!(
        "audit bytes per sensitive request (event, index rows, batch; tables and indexes): {:?}",
        bytes_per_request
            .iter()
            .map(|b| b.round())
            .collect::<Vec<_>>()
    );
    println!(
        "oldest unsealed event during the sensitive runs (sealer every {} ms): {} ms",
        app.state.config.audit.seal_interval_ms,
        worst_lag.load(Ordering::Relaxed)
    );

    // Sealing: `events` read events of 20 children each, written as the background writer
    // writes them, then sealed from scratch.
    app.seal_audit().await;
    let keys = &app.state.audit_keys;
    let children: Vec<uuid::Uuid> = (0..20).map(|_| uuid::Uuid::now_v7()).collect();
    let detail = json!({ "read": [{ "type": "Child", "fields": ["address", "health", "idNumber"], "ids": children }] });
    let actor = uuid::Uuid::now_v7();
    let written = Instant::now();
    let mut left = events;
    while left > 0 {
        let chunk = left.min(1_000);
        left -= chunk;
        let rows: Vec<_> = (0..chunk)
            .map(|_| {
                let mut record =
                    AuditRecord::new(&keys.mac, "read", chrono::Utc::now(), Some("bench".into()))
                        .with(detail.clone());
                record.actor = Some((actor, "civil_affairs_officer".into()));
                record.into_rows().0
            })
            .collect();
        audit_event::Entity::insert_many(rows)
            .exec_without_returning(&app.state.db)
            .await
            .expect("events inserted");
    }
    println!(
        "wrote {events} unsealed events in {:.1} s",
        written.elapsed().as_secs_f64()
    );
    let sealing = Instant::now();
    let sealed = chain::seal_all(
        &app.state.db,
        keys,
        chrono::Utc::now() + chrono::TimeDelta::minutes(5),
    )
    .await
    .expect("sealed");
    let took = sealing.elapsed();
    println!(
        "sealing: {sealed} events in {:.2} s, {:.0} events/s",
        took.as_secs_f64(),
        rate(sealed, took)
    );
    let verifying = Instant::now();
    let verdict = chain::verify(&app.state.db, keys, &app.checkpoints.0, 1)
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
        took.as_secs_f64() * 1e6 / total as f64
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
