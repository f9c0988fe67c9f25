//! What `/metrics` tells Prometheus: requests by operation, client app and outcome, their
//! latency, the database pool, the read replica, the audit trail's queue and sealing lag, the
//! report deadline sweeper and the open subscriptions.
//!
//! Every label takes its values from a bounded set, so that no caller can grow the series
//! without end: an operation is named only when it is a trusted document (an ad-hoc document's
//! name is the caller's choice), a client app only when a manifest holds the document, and an
//! outcome is one of the API's stable error codes.

use std::sync::atomic::AtomicU64;

use entity::audit_event;
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};

use crate::{audit::AuditWriter, auth::throttle::Throttle};

/// The label value of what a request did not say or may not name.
pub const UNNAMED: &str = "-";

/// The outcomes a request is counted under: `OK` and the API's stable error codes. Any other
/// code (none is known) counts as `OTHER`, so that the label stays a closed set.
const OUTCOMES: [&str; 26] = [
    "OK",
    "BAD_REQUEST",
    "BAD_USER_INPUT",
    "CONFLICT",
    "FORBIDDEN",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_SERVER_ERROR",
    "INTROSPECTION_DISABLED",
    "INTROSPECTION_TOO_LARGE",
    "INVALID_TRANSITION",
    "METHOD_NOT_ALLOWED",
    "NOT_ACCEPTABLE",
    "NOT_FOUND",
    "OPERATION_NAME_REQUIRED",
    "OPERATION_NOT_FOUND",
    "OPERATION_NOT_TRUSTED",
    "PAYLOAD_TOO_LARGE",
    "PERSISTED_QUERY_NOT_FOUND",
    "QUERY_TOO_COMPLEX",
    "QUERY_TOO_DEEP",
    "RATE_LIMITED",
    "TOO_MANY_ALIASES",
    "TOO_MANY_ROOT_FIELDS",
    "UNAUTHENTICATED",
    "UNSUPPORTED_MEDIA_TYPE",
];

/// The outcome label of a response's first error code (`None`: no error).
pub fn outcome(code: Option<&str>) -> &'static str {
    let code = code.unwrap_or("OK");
    OUTCOMES
        .iter()
        .find(|known| **known == code)
        .copied()
        .unwrap_or("OTHER")
}

/// How long a reading of the unsealed audit events serves scrapes: however often `/metrics` is
/// asked, the database is asked at most this often.
const UNSEALED_READ_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The content type of the exposition (OpenMetrics text, which Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The labels of a GraphQL request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The operation's name, for a trusted document; `-` otherwise.
    pub operation: String,
    /// The client app whose manifest holds the document; `-` for an ad-hoc document.
    pub client_app: String,
    /// The trusted document's id (`sha256:…`); `-` for an ad-hoc document.
    pub document_id: String,
    /// `OK`, or the `extensions.code` of the response's first error ([`outcome`]).
    pub outcome: &'static str,
}

/// The labels of a request's latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    operation: String,
    client_app: String,
}

/// The labels of the database pool's connections.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// The labels of a read meant for the replica.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServedLabels {
    served_by: &'static str,
}

/// The labels of a background round.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoundLabels {
    outcome: &'static str,
}

type LatencyFamily = Family<LatencyLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The service's metrics, one registry per application.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    in_flight: Gauge,
    subscriptions: Gauge,
    pool: Family<PoolLabels, Gauge>,
    audit_queued: Gauge,
    audit_unsealed: Gauge,
    audit_unsealed_lag: Gauge<f64, AtomicU64>,
    audit_sealed: Counter,
    audit_refused: Counter,
    sweeps: Family<RoundLabels, Counter>,
    alerts: Counter,
    limits_local: Gauge,
    replica_reads: Family<ServedLabels, Counter>,
    replica_fallbacks: Counter,
    replica_up: Gauge,
    replica_behind: Counter,
    replica_lag: Gauge,
    /// When the unsealed audit events were last read.
    unsealed_read: tokio::sync::Mutex<Option<std::time::Instant>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every series, at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("shouhu");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests answered, by operation, client app and outcome",
            requests.clone(),
        );
        let latency = LatencyFamily::new_with_constructor(latency_histogram);
        registry.register(
            "graphql_request_duration_seconds",
            "Time from a GraphQL request's arrival to its answer",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being served",
            in_flight.clone(),
        );
        let subscriptions = Gauge::default();
        registry.register(
            "subscriptions_open",
            "Subscriptions running over /graphql/ws",
            subscriptions.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections: in_use, idle, and max (the most it opens)",
            pool.clone(),
        );
        let audit_queued = Gauge::default();
        registry.register(
            "audit_queue_depth",
            "Read and denial events queued for the audit writer",
            audit_queued.clone(),
        );
        let audit_unsealed = Gauge::default();
        registry.register(
            "audit_unsealed_events",
            "Audit events written but not yet sealed into a batch (counted up to 100,000)",
            audit_unsealed.clone(),
        );
        let audit_unsealed_lag = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "audit_unsealed_lag_seconds",
            "Age of the oldest audit event not yet sealed (0 when all are sealed)",
            audit_unsealed_lag.clone(),
        );
        let audit_sealed = Counter::default();
        registry.register(
            "audit_sealed_events",
            "Audit events sealed by this instance",
            audit_sealed.clone(),
        );
        let audit_refused = Counter::default();
        registry.register(
            "audit_refused_events",
            "Audit events this instance refused to seal because their MAC did not verify",
            audit_refused.clone(),
        );
        let sweeps = Family::<RoundLabels, Counter>::default();
        registry.register(
            "deadline_sweeps",
            "Rounds of the report deadline sweeper, by outcome (ok, failed)",
            sweeps.clone(),
        );
        let alerts = Counter::default();
        registry.register(
            "deadline_alerts",
            "Deadline alerts the sweeper raised on overdue reports",
            alerts.clone(),
        );
        let limits_local = Gauge::default();
        registry.register(
            "rate_limits_local",
            "1 while Redis fails and this instance counts rate limits on its own",
            limits_local.clone(),
        );
        let replica_reads = Family::<ServedLabels, Counter>::default();
        registry.register(
            "db_replica_reads",
            "Statements of reading work (statistics, totalCount, downloads) meant for the database \
             replica, by what served them: replica, or primary (the replica failed, refused, was \
             busy, or is set aside)",
            replica_reads.clone(),
        );
        let replica_fallbacks = Counter::default();
        registry.register(
            "db_replica_fallbacks",
            "Times the database replica was set aside for the primary: it failed to answer, is no \
             hot standby of the primary, or fell too far behind",
            replica_fallbacks.clone(),
        );
        let replica_up = Gauge::default();
        registry.register(
            "db_replica_up",
            "1 while the database replica is in use, 0 while it is set aside, not yet checked, or \
             none is configured",
            replica_up.clone(),
        );
        let replica_behind = Counter::default();
        registry.register(
            "db_replica_behind",
            "Downloads that read the primary because the replica had not replayed its last changes",
            replica_behind.clone(),
        );
        let replica_lag = Gauge::default();
        registry.register(
            "db_replica_lag_bytes",
            "How far the database replica's replay trailed the primary's write-ahead log at its \
             last check",
            replica_lag.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            in_flight,
            subscriptions,
            pool,
            audit_queued,
            audit_unsealed,
            audit_unsealed_lag,
            audit_sealed,
            audit_refused,
            sweeps,
            alerts,
            limits_local,
            replica_reads,
            replica_fallbacks,
            replica_up,
            replica_behind,
            replica_lag,
            unsealed_read: tokio::sync::Mutex::new(None),
        }
    }

    /// Counts an answered GraphQL request and its latency.
    pub fn request(&self, labels: RequestLabels, seconds: f64) {
        self.latency
            .get_or_create(&LatencyLabels {
                operation: labels.operation.clone(),
                client_app: labels.client_app.clone(),
            })
            .observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn in_flight(&self) -> Open {
        self.in_flight.inc();
        Open(self.in_flight.clone())
    }

    /// Counts an open subscription until the guard is dropped.
    pub fn subscription(&self) -> Open {
        self.subscriptions.inc();
        Open(self.subscriptions.clone())
    }

    /// Counts a sealing round's events: those sealed and those refused.
    pub fn sealed(&self, events: usize, refused: usize) {
        self.audit_sealed.inc_by(events as u64);
        self.audit_refused.inc_by(refused as u64);
    }

    /// Counts a sweep of report deadlines: the alerts it raised, and whether it went through
    /// every overdue report (a sweep stopped by a failure counts as failed, whatever it raised
    /// before).
    pub fn swept(&self, alerts: usize, complete: bool) {
        let outcome = if complete { "ok" } else { "failed" };
        self.sweeps.get_or_create(&RoundLabels { outcome }).inc();
        self.alerts.inc_by(alerts as u64);
    }

    /// Counts a statement of reading work meant for the replica, by what served it (`replica`
    /// or `primary`).
    pub fn replica_read(&self, served_by: &'static str) {
        self.replica_reads
            .get_or_create(&ServedLabels { served_by })
            .inc();
    }

    /// Counts the replica set aside.
    pub fn replica_failed(&self) {
        self.replica_fallbacks.inc();
    }

    /// Whether the replica is in use.
    pub fn replica_up(&self, up: bool) {
        self.replica_up.set(i64::from(up));
    }

    /// How far the replica trailed the primary at its last check, in bytes of write-ahead log.
    pub fn replica_lag(&self, bytes: i64) {
        self.replica_lag.set(bytes);
    }

    /// Counts a download that read the primary because the replica lagged.
    pub fn replica_behind(&self) {
        self.replica_behind.inc();
    }

    /// The exposition, with the gauges read now: the pool, the audit queue, the unsealed
    /// events (one indexed query; a failed read leaves the last values) and the rate limits.
    pub async fn render(
        &self,
        db: &DatabaseConnection,
        audit: &AuditWriter,
        throttle: &Throttle,
        now: chrono::DateTime<chrono::Utc>,
    ) -> String {
        self.limits_local.set(i64::from(throttle.degraded()));
        let (size, idle, max) = pool(db);
        let in_use = size.saturating_sub(idle);
        for (state, value) in [("in_use", in_use), ("idle", idle), ("max", max)] {
            self.pool
                .get_or_create(&PoolLabels { state })
                .set(i64::from(value));
        }
        self.audit_queued
            .set(i64::try_from(audit.queued()).unwrap_or(i64::MAX));
        // Scrapes that come together wait for one reading and share it.
        let mut read = self.unsealed_read.lock().await;
        if read.is_none_or(|at| at.elapsed() >= UNSEALED_READ_EVERY) {
            match unsealed(db, now).await {
                Ok((count, lag)) => {
                    self.audit_unsealed.set(count);
                    self.audit_unsealed_lag.set(lag);
                    *read = Some(std::time::Instant::now());
                }
                // An unreadable trail must not look sealed: the lag reads as unknown.
                Err(error) => {
                    self.audit_unsealed_lag.set(f64::NAN);
                    tracing::warn!(%error, "reading the unsealed audit events for /metrics");
                }
            }
        }
        drop(read);
        let mut text = String::new();
        if let Err(error) = encode(&mut text, &self.registry) {
            tracing::error!(%error, "encoding the metrics");
        }
        text
    }
}

/// Counts one of something open while it lives.
pub struct Open(Gauge);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The pool's open connections, idle ones and the most it opens.
fn pool(db: &DatabaseConnection) -> (u32, u32, u32) {
    let (size, idle, max) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
    };
    (size, u32::try_from(idle).unwrap_or(u32::MAX), max)
}

/// Audit events waiting to be sealed (up to 100,000) and the age in seconds of the oldest, by
/// the partial index of unsealed events.
async fn unsealed(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(i64, f64), sea_orm::DbErr> {
    const WAITING: &str = "seq IS NULL AND refused_at IS NULL";
    let backend = db.get_database_backend();
    let count = db
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit_event WHERE {WAITING} LIMIT \
                 100000) AS waiting"
            ),
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let oldest: Option<chrono::DateTime<chrono::Utc>> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::OccurredAt)
        .filter(audit_event::Column::Seq.is_null())
        .filter(audit_event::Column::RefusedAt.is_null())
        .order_by_asc(audit_event::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    let lag = oldest.map_or(0.0, |at| (now - at).num_milliseconds().max(0) as f64 / 1e3);
    Ok((count, lag))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_outcome_is_ok_a_known_code_or_other() {
        assert_eq!(super::outcome(None), "OK");
        assert_eq!(super::outcome(Some("RATE_LIMITED")), "RATE_LIMITED");
        assert_eq!(super::outcome(Some("ZHANG_SAN_110101")), "OTHER");
    }
}
