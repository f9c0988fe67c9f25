//! Reading work on a streaming replica of the database.
//!
//! Statistics, `totalCount` and the ledger's exports are reading work: they read much, write
//! nothing, and may read the ledger as it was a moment ago. With `database_replica_url` set they
//! read a streaming replica of the PostgreSQL database, so that a dashboard or a 50,000-row
//! download does not take the primary's connections and disk from the teachers and police who
//! are writing to it. Everything else reads the primary, and a request that writes (a mutation)
//! reads everything from the primary, so it always reads back what it wrote.
//!
//! A [`Reader`] is a connection ([`ConnectionTrait`]) that sends each statement to the replica
//! and, when the replica cannot answer (refused, timed out, shutting down, or cancelling the
//! statement for a conflict with recovery), to the primary instead: the request is answered,
//! `shouhu_db_replica_fallbacks` counts the failure, a warning is logged, and the replica is
//! left aside for `database_replica_retry_secs` before it is tried again, so that the requests
//! in between do not wait for it.
//!
//! A replica trails the primary by its replication lag (milliseconds on a healthy network), so
//! counts may miss a change committed that instant. A download is a document of record: it
//! first waits briefly for the replica to replay everything the primary has committed
//! ([`Reader::caught_up`]), and reads the primary when the replica does not catch up.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use async_graphql::parser::types::OperationType;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement, sqlx,
};

use crate::{clock::Clock, metrics::Metrics};

/// How long a download waits for the replica to replay what the primary has committed before
/// it reads the primary instead.
const CATCH_UP_WAIT: Duration = Duration::from_secs(2);

/// How often a download asks the replica whether it has caught up.
const CATCH_UP_POLL: Duration = Duration::from_millis(20);

/// A connection for reads: the replica's when one is configured and answers, else the
/// primary's. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Reader {
    primary: DatabaseConnection,
    replica: Option<Arc<Replica>>,
}

/// The replica and what is known of its health.
struct Replica {
    db: DatabaseConnection,
    /// How long it is left aside after a failure.
    retry_after: TimeDelta,
    /// When it last failed, while it is left aside.
    failed_at: Mutex<Option<DateTime<Utc>>>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("retry_after", &self.retry_after)
            .field("failed_at", &self.failed_at)
            .finish_non_exhaustive()
    }
}

/// Where one request reads: its rows, and its reading work (statistics, `totalCount`).
#[derive(Clone, Debug)]
pub struct ReadPlan {
    /// Rows: the primary, except for a download, which reads its rows where its reading work
    /// goes.
    pub rows: Reader,
    /// Statistics and counts: the replica, when configured, unless the request writes.
    pub work: Reader,
}

impl Reader {
    /// Reads of the primary only.
    pub fn primary(db: DatabaseConnection) -> Self {
        Self {
            primary: db,
            replica: None,
        }
    }

    /// Reads of `replica`, falling back to `primary` while the replica fails; a failure puts
    /// the replica aside for `retry_after`, as `clock` tells time.
    pub fn with_replica(
        primary: DatabaseConnection,
        replica: DatabaseConnection,
        retry_after: TimeDelta,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        metrics.replica_up(true);
        Self {
            primary,
            replica: Some(Arc::new(Replica {
                db: replica,
                retry_after,
                failed_at: Mutex::new(None),
                clock,
                metrics,
            })),
        }
    }

    /// The same reads, of the primary only.
    pub fn primary_only(&self) -> Self {
        Self::primary(self.primary.clone())
    }

    /// Where a request of kind `operation` reads: a query's reading work goes to the replica,
    /// a mutation's and a subscription's to the primary, and every request's rows to the
    /// primary.
    pub fn reads_for(&self, operation: OperationType) -> ReadPlan {
        let rows = self.primary_only();
        let work = match operation {
            OperationType::Query => self.clone(),
            OperationType::Mutation | OperationType::Subscription => rows.clone(),
        };
        ReadPlan { rows, work }
    }

    /// Where a download reads, rows and all: these reads when the replica has replayed every
    /// change the primary had committed when asked (waiting up to two seconds for it to catch
    /// up), else the primary.
    pub async fn caught_up(&self) -> ReadPlan {
        let reader = match self.usable() {
            Some(replica) => match replica.caught_up(&self.primary).await {
                Ok(true) => self.clone(),
                Ok(false) => {
                    replica.metrics.replica_behind();
                    tracing::info!(
                        "the database replica has not replayed the primary's last changes: \
                         this download reads the primary"
                    );
                    self.primary_only()
                }
                Err(error) => {
                    if unreachable(&error) {
                        replica.failed(&error);
                    } else {
                        tracing::warn!(%error, "asking the database replica how far it has replayed");
                    }
                    self.primary_only()
                }
            },
            None => self.primary_only(),
        };
        ReadPlan {
            rows: reader.clone(),
            work: reader,
        }
    }

    /// The replica, unless none is configured or it is left aside after a failure.
    fn usable(&self) -> Option<&Replica> {
        let replica = self.replica.as_deref()?;
        let failed_at = *replica
            .failed_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match failed_at {
            Some(at) if replica.clock.now() - at < replica.retry_after => {
                replica.metrics.replica_read("primary");
                None
            }
            _ => Some(replica),
        }
    }

    /// Runs a read on the replica when it answers, else on the primary.
    async fn read<T, F, Fut>(&self, run: F) -> Result<T, DbErr>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<T, DbErr>>,
    {
        if let Some(replica) = self.usable() {
            match run(replica.db.clone()).await {
                Err(error) if unreachable(&error) => {
                    replica.failed(&error);
                    replica.metrics.replica_read("primary");
                }
                done => {
                    replica.answered();
                    replica.metrics.replica_read("replica");
                    return done;
                }
            }
        }
        run(self.primary.clone()).await
    }
}

impl Replica {
    /// Puts the replica aside after `error`, saying so once per failure.
    fn failed(&self, error: &DbErr) {
        let mut failed_at = self
            .failed_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *failed_at = Some(self.clock.now());
        drop(failed_at);
        self.metrics.replica_failed();
        self.metrics.replica_up(false);
        tracing::warn!(
            %error,
            retry_in_secs = self.retry_after.num_seconds(),
            "the database replica does not answer: reading work falls back to the primary"
        );
    }

    /// Notes that the replica answered, and says so when it had failed.
    fn answered(&self) {
        let mut failed_at = self
            .failed_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failed_at.take().is_some() {
            drop(failed_at);
            self.metrics.replica_up(true);
            tracing::info!("the database replica answers again: reading work goes back to it");
        }
    }

    /// Whether the replica has replayed the primary's write-ahead log up to where it stands
    /// now, asking again until it has or [`CATCH_UP_WAIT`] has passed.
    async fn caught_up(&self, primary: &DatabaseConnection) -> Result<bool, DbErr> {
        let position = primary
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_current_wal_lsn()::text AS lsn",
            ))
            .await?
            .map(|row| row.try_get::<String>("", "lsn"))
            .transpose()?;
        let Some(position) = position else {
            return Ok(false);
        };
        let asked = Instant::now();
        loop {
            // NULL when the server replays nothing: it is no replica, and cannot be trusted to
            // hold what the primary holds.
            let replayed = self
                .db
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS replayed",
                    [position.clone().into()],
                ))
                .await?
                .map(|row| row.try_get::<bool>("", "replayed"))
                .transpose()?
                .unwrap_or(false);
            if replayed {
                self.answered();
                return Ok(true);
            }
            if asked.elapsed() >= CATCH_UP_WAIT {
                return Ok(false);
            }
            tokio::time::sleep(CATCH_UP_POLL).await;
        }
    }
}

/// Whether `error` says the server cannot answer now (as opposed to a statement it refused):
/// no connection, a connection lost or timed out, a server shutting down or still starting,
/// a statement cancelled for a conflict with the replay of the primary's changes, or a table
/// the primary has and the replica has not replayed yet.
fn unreachable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(error)) | DbErr::Exec(RuntimeErr::SqlxError(error)) => {
            match error.as_ref() {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(error) => error.code().is_some_and(|code| {
                    // Connection exceptions, too many connections, operator intervention, the
                    // serialization failure a hot standby cancels a statement with, and a
                    // database, table or column the replica has not replayed yet (a migration
                    // the primary has just run).
                    code.starts_with("08")
                        || code.starts_with("57P")
                        || ["53300", "40001", "3D000", "42P01", "42703"].contains(&code.as_ref())
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Reader {
    fn get_database_backend(&self) -> DbBackend {
        self.primary.get_database_backend()
    }

    /// Statements that write go to the primary: a replica refuses them.
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.primary.execute_raw(stmt).await
    }

    /// Statements that write go to the primary: a replica refuses them.
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.primary.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.read(|db| {
            let stmt = stmt.clone();
            async move { db.query_one_raw(stmt).await }
        })
        .await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.read(|db| {
            let stmt = stmt.clone();
            async move { db.query_all_raw(stmt).await }
        })
        .await
    }

    fn support_returning(&self) -> bool {
        self.primary.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(code: &str) -> DbErr {
        #[derive(Debug)]
        struct Coded(String);
        impl std::fmt::Display for Coded {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "error {}", self.0)
            }
        }
        impl std::error::Error for Coded {}
        impl sqlx::error::DatabaseError for Coded {
            fn message(&self) -> &str {
                "coded"
            }
            fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
                Some(self.0.as_str().into())
            }
            fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
                self
            }
            fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
                self
            }
            fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
                self
            }
            fn kind(&self) -> sqlx::error::ErrorKind {
                sqlx::error::ErrorKind::Other
            }
        }
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Database(
            Box::new(Coded(code.to_owned())),
        ))))
    }

    #[test]
    fn a_server_that_cannot_answer_is_fallen_back_from_and_a_refused_statement_is_not() {
        assert!(unreachable(&DbErr::ConnectionAcquire(
            sea_orm::ConnAcquireErr::Timeout
        )));
        assert!(unreachable(&DbErr::Query(RuntimeErr::SqlxError(Arc::new(
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
        )))));
        // Shutting down, a conflict with recovery, a connection lost, a table not replayed yet.
        for code in ["57P01", "40001", "08006", "42P01"] {
            assert!(unreachable(&database_error(code)), "{code}");
        }
        // A syntax error, a check that failed: the primary would refuse them too.
        for code in ["42601", "23514"] {
            assert!(!unreachable(&database_error(code)), "{code}");
        }
        assert!(!unreachable(&DbErr::RecordNotFound("child".into())));
    }
}
