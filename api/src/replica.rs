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
//! unless the replica is set aside, and to the primary instead when the replica does not answer
//! it (refused, lost, shutting down, cancelled for a conflict with recovery, or not finished
//! within `database_replica_timeout_secs`: the replica is then set aside), refuses it (a table
//! it has not replayed yet), or has no free connection (it is busy, not failed). The request is
//! answered either way.
//!
//! [`watch`] checks the replica every `database_replica_check_secs`: that it answers, is a hot
//! standby (in recovery) of this primary (the same system identifier) serving the same database
//! (a URL naming another database would pass every other check and have every read refused),
//! and has replayed what the
//! primary had written `database_replica_max_lag_secs` ago. While any of that fails the replica
//! is set aside (a warning, `shouhu_db_replica_fallbacks_total`, `shouhu_db_replica_up` 0), and
//! only the check brings it back, so a request never waits on a replica known to be failing.
//!
//! Nothing is read from the replica before a check has passed: it may have been left hours
//! behind while the service was down. Until the watch has known the primary for `max_lag`, the
//! replica must have replayed what the primary had written at the first check, so at the first
//! check it must be level with the primary; a replica still catching up is waited for quietly
//! (no fallback counted), reading work staying on the primary.
//!
//! A replica trails the primary by its replication lag (milliseconds on a healthy network), so
//! counts may miss a change committed that instant. A download is a document of record: it
//! first waits briefly for the replica to replay everything the primary has committed
//! ([`Reader::caught_up`]), and reads the primary when the replica does not catch up.

use std::{
    collections::VecDeque,
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::{Duration, Instant},
};

use async_graphql::parser::types::OperationType;
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement, sqlx,
};
use tokio::sync::watch;

use crate::metrics::Metrics;

/// How long a download waits for the replica to replay what the primary has committed before
/// it reads the primary instead.
const CATCH_UP_WAIT: Duration = Duration::from_secs(2);

/// How often a download asks the replica whether it has caught up.
const CATCH_UP_POLL: Duration = Duration::from_millis(20);

/// How long one check of the replica may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection for reads: the replica's when one is configured and not set aside, else the
/// primary's. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Reader {
    primary: DatabaseConnection,
    replica: Option<Arc<Replica>>,
}

/// The replica and whether reads go to it.
struct Replica {
    db: DatabaseConnection,
    /// A [`Standing`]: reads go to the replica only while it is in use.
    standing: AtomicU8,
    /// How long one statement on it may take.
    timeout: Duration,
    metrics: Arc<Metrics>,
}

/// Whether reads go to the replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Standing {
    /// Not yet found sound by [`watch`]: reads go to the primary.
    Unchecked,
    /// Found sound: reads go to it.
    InUse,
    /// Found failing: reads go to the primary until [`watch`] finds it sound again.
    Aside,
}

impl Standing {
    fn of(value: u8) -> Self {
        match value {
            0 => Self::Unchecked,
            1 => Self::InUse,
            _ => Self::Aside,
        }
    }
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("standing", &self.standing())
            .field("timeout", &self.timeout)
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

/// How the replica is watched: how often, and how far behind it may fall.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    /// How often the replica is checked.
    pub every: Duration,
    /// How far behind the primary it may fall before it is set aside.
    pub max_lag: Duration,
}

impl Reader {
    /// Reads of the primary only.
    pub fn primary(db: DatabaseConnection) -> Self {
        Self {
            primary: db,
            replica: None,
        }
    }

    /// Reads of `replica`, falling back to `primary` while the replica is not in use; a
    /// statement on the replica may take `timeout`. Until [`watch`] has found it sound, reads
    /// go to the primary.
    pub fn with_replica(
        primary: DatabaseConnection,
        replica: DatabaseConnection,
        timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            primary,
            replica: Some(Arc::new(Replica {
                db: replica,
                standing: AtomicU8::new(Standing::Unchecked as u8),
                timeout,
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
                Err(Blame::Replica(why)) => {
                    replica.set_aside(&why);
                    self.primary_only()
                }
                Err(Blame::Busy | Blame::Behind) => self.primary_only(),
                Err(Blame::Primary(error)) => {
                    tracing::warn!(%error, "asking the primary how far it has written");
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

    /// The replica, unless none is configured or it is not in use.
    fn usable(&self) -> Option<&Replica> {
        self.replica.as_deref().filter(|replica| replica.in_use())
    }

    /// Runs a read on the replica when it answers it, else on the primary.
    async fn read<T, F, Fut>(&self, run: F) -> Result<T, DbErr>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<T, DbErr>>,
    {
        if let Some(replica) = self.replica.as_deref() {
            if replica.in_use() {
                match tokio::time::timeout(replica.timeout, run(replica.db.clone())).await {
                    Ok(Ok(done)) => {
                        replica.metrics.replica_read("replica");
                        return Ok(done);
                    }
                    Ok(Err(error)) if replica.busy(&error) => {}
                    Ok(Err(error)) if unreachable(&error) => {
                        replica.set_aside(&error.to_string());
                    }
                    Ok(Err(error)) => {
                        tracing::info!(%error, "the database replica refused a read: the primary is asked");
                    }
                    Err(_) => replica.set_aside(&format!(
                        "a statement did not finish within {} s (database_replica_timeout_secs)",
                        replica.timeout.as_secs()
                    )),
                }
            }
            // Meant for the replica, served by the primary: it failed, refused, was busy, or is
            // set aside.
            replica.metrics.replica_read("primary");
        }
        run(self.primary.clone()).await
    }
}

/// Who a failed check is about.
enum Blame {
    /// The replica: it is set aside, for this reason.
    Replica(String),
    /// The replica, behind the primary: it is set aside when in use, and waited for when not
    /// yet checked.
    Behind,
    /// The replica, busy: every connection in use. Nothing is concluded.
    Busy,
    /// The primary: nothing is known of the replica.
    Primary(DbErr),
}

impl Replica {
    fn standing(&self) -> Standing {
        Standing::of(self.standing.load(Ordering::Acquire))
    }

    /// Whether reads go to it.
    fn in_use(&self) -> bool {
        self.standing() == Standing::InUse
    }

    /// Sets the replica aside for `why`, saying so unless it already was.
    fn set_aside(&self, why: &str) {
        if Standing::of(self.standing.swap(Standing::Aside as u8, Ordering::AcqRel))
            != Standing::Aside
        {
            self.metrics.replica_failed();
            tracing::warn!(
                reason = why,
                "the database replica is set aside: reading work falls back to the primary"
            );
        }
        self.metrics.replica_up(false);
    }

    /// Puts the replica in use, saying so when it was not.
    fn take_back(&self) {
        match Standing::of(self.standing.swap(Standing::InUse as u8, Ordering::AcqRel)) {
            Standing::Unchecked => {
                tracing::info!("the database replica is sound: reading work goes to it");
            }
            Standing::Aside => {
                tracing::info!("the database replica is sound again: reading work goes back to it");
            }
            Standing::InUse => {}
        }
        self.metrics.replica_up(true);
    }

    /// The replica is behind the primary: set aside when in use, waited for when not yet
    /// checked.
    fn behind(&self) {
        if self.standing() == Standing::Unchecked {
            tracing::info!(
                "the database replica has not caught up with the primary yet: reading work \
                 stays on the primary until it has"
            );
        } else {
            self.set_aside(
                "it has not replayed what the primary wrote database_replica_max_lag_secs ago",
            );
        }
    }

    /// Whether `error` says only that every connection to the replica is busy: it is loaded,
    /// not failing, and this statement goes to the primary without setting it aside.
    fn busy(&self, error: &DbErr) -> bool {
        if !matches!(error, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)) {
            return false;
        }
        let pool = self.db.get_postgres_connection_pool();
        pool.num_idle() == 0 && pool.size() >= pool.options().get_max_connections()
    }

    /// Runs a check's `statement` on the replica within [`CHECK_TIMEOUT`], blaming the
    /// replica for what fails, unless it is only busy.
    async fn ask(&self, statement: Statement) -> Result<Option<QueryResult>, Blame> {
        let limit = CHECK_TIMEOUT.min(self.timeout);
        match tokio::time::timeout(limit, self.db.query_one_raw(statement)).await {
            Ok(Err(error)) if self.busy(&error) => Err(Blame::Busy),
            Ok(answer) => answer.map_err(|error| Blame::Replica(error.to_string())),
            Err(_) => Err(Blame::Replica(format!(
                "a check did not finish within {} s",
                limit.as_secs()
            ))),
        }
    }

    /// Whether the replica has replayed the primary's write-ahead log up to where it stands
    /// now, asking again until it has or [`CATCH_UP_WAIT`] has passed.
    async fn caught_up(&self, primary: &DatabaseConnection) -> Result<bool, Blame> {
        let Some(position) = primary_position(primary).await.map_err(Blame::Primary)? else {
            return Ok(false);
        };
        let asked = Instant::now();
        let deadline = tokio::time::Instant::now() + CATCH_UP_WAIT;
        loop {
            // NULL when the server replays nothing: it is no replica, and cannot be trusted to
            // hold what the primary holds.
            let question = self.ask(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS replayed",
                [position.clone().into()],
            ));
            // Never past the wait: a replica that does not answer in it is behind, not failed
            // (the check decides that).
            let Ok(answer) = tokio::time::timeout_at(deadline, question).await else {
                return Ok(false);
            };
            let replayed = answer?
                .map(|row| row.try_get::<bool>("", "replayed"))
                .transpose()
                .map_err(|error| Blame::Replica(error.to_string()))?
                .unwrap_or(false);
            if replayed {
                return Ok(true);
            }
            if asked.elapsed() >= CATCH_UP_WAIT {
                return Ok(false);
            }
            tokio::time::sleep(CATCH_UP_POLL).await;
        }
    }

    /// One check: whether the replica answers, is a hot standby of the `primary` serving the
    /// same database, and has replayed `reference` (a position the primary had written, see
    /// [`watch`]); `position` is where the primary stands now, to measure the lag in bytes.
    async fn check(
        &self,
        primary: &Identity,
        position: &str,
        reference: &str,
    ) -> Result<(), Blame> {
        let row = self
            .ask(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_is_in_recovery() AS recovering, \
                 (SELECT system_identifier::text FROM pg_control_system()) AS id, \
                 current_database()::text AS database, \
                 COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, true) AS replayed, \
                 COALESCE(pg_wal_lsn_diff($2::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint \
                 AS lag",
                [reference.to_owned().into(), position.to_owned().into()],
            ))
            .await?
            .ok_or_else(|| Blame::Replica("the check read nothing".to_owned()))?;
        let read = |error: DbErr| Blame::Replica(error.to_string());
        let recovering: bool = row.try_get("", "recovering").map_err(read)?;
        let id: String = row.try_get("", "id").map_err(read)?;
        let database: String = row.try_get("", "database").map_err(read)?;
        let replayed: bool = row.try_get("", "replayed").map_err(read)?;
        let lag: i64 = row.try_get("", "lag").map_err(read)?;
        self.metrics.replica_lag(lag.max(0));
        if id != primary.system {
            return Err(Blame::Replica(
                "it is not a copy of the primary (another system identifier)".to_owned(),
            ));
        }
        if database != primary.database {
            return Err(Blame::Replica(format!(
                "its URL names the database {database}, the primary's names {}",
                primary.database
            )));
        }
        if !recovering {
            return Err(Blame::Replica(
                "it replays nothing: it is the primary itself, or was promoted".to_owned(),
            ));
        }
        if !replayed {
            return Err(Blame::Behind);
        }
        Ok(())
    }
}

/// Which server and database the primary is: a replica must be a copy of the same.
#[derive(Debug, Clone)]
struct Identity {
    /// The cluster's system identifier, which a streaming replica shares.
    system: String,
    /// The database the URL names.
    database: String,
}

impl Identity {
    async fn of(primary: &DatabaseConnection) -> Result<Option<Self>, DbErr> {
        let Some(row) = primary
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT system_identifier::text AS id, current_database()::text AS database \
                 FROM pg_control_system()",
            ))
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Self {
            system: row.try_get("", "id")?,
            database: row.try_get("", "database")?,
        }))
    }
}

/// Where the primary's write-ahead log stands now.
async fn primary_position(primary: &DatabaseConnection) -> Result<Option<String>, DbErr> {
    primary
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_current_wal_lsn()::text AS lsn",
        ))
        .await?
        .map(|row| row.try_get::<String>("", "lsn"))
        .transpose()
}

/// Checks the replica of `reader` every `watch.every` until `stop`: sets it aside while it
/// does not answer, is not a hot standby of the primary, or is more than `watch.max_lag`
/// behind it, and takes it back when all of that holds again. Does nothing without a replica.
pub async fn watch(reader: Reader, watch: Watch, mut stop: watch::Receiver<bool>) {
    let Some(replica) = reader.replica.clone() else {
        return;
    };
    // The primary's positions over the last `max_lag`, oldest first: the replica must have
    // replayed the newest of those at least `max_lag` old, or, until one is, the oldest.
    let mut positions: VecDeque<(Instant, String)> = VecDeque::new();
    let mut identity: Option<Identity> = None;
    let mut ticker = tokio::time::interval(watch.every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        let primary = async {
            let known = match &identity {
                Some(known) => Some(known.clone()),
                None => Identity::of(&reader.primary).await?,
            };
            Ok::<_, DbErr>((known, primary_position(&reader.primary).await?))
        };
        let (known, position) = match primary.await {
            Ok((Some(known), Some(position))) => (known, position),
            Ok(_) => continue,
            Err(error) => {
                tracing::warn!(%error, "reading the primary's position to check the replica");
                continue;
            }
        };
        identity = Some(known.clone());
        let now = Instant::now();
        positions.push_back((now, position.clone()));
        while positions
            .get(1)
            .is_some_and(|(at, _)| now.duration_since(*at) >= watch.max_lag)
        {
            positions.pop_front();
        }
        let reference = positions
            .front()
            .map_or(position.as_str(), |(_, p)| p.as_str());
        // Shutting down does not wait for a check of a replica that hangs.
        let verdict = tokio::select! {
            verdict = replica.check(&known, &position, reference) => verdict,
            _ = stop.changed() => return,
        };
        match verdict {
            Ok(()) => replica.take_back(),
            Err(Blame::Replica(why)) => replica.set_aside(&why),
            Err(Blame::Behind) => replica.behind(),
            Err(Blame::Busy) => {}
            Err(Blame::Primary(error)) => {
                tracing::warn!(%error, "reading the primary's position to check the replica");
            }
        }
    }
}

/// Whether `error` says the server cannot answer now (as opposed to a statement it refused):
/// no connection, a connection lost or timed out, a server shutting down or still starting,
/// or a statement cancelled for a conflict with the replay of the primary's changes. (A
/// statement the replica refuses otherwise, such as one on a table it has not replayed yet,
/// is asked of the primary without setting the replica aside.)
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
                    // Connection exceptions, too many connections, operator intervention, and
                    // the serialization failure a hot standby cancels a statement with.
                    code.starts_with("08")
                        || code.starts_with("57P")
                        || code == "53300"
                        || code == "40001"
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
        // Shutting down, a conflict with recovery, a connection lost.
        for code in ["57P01", "40001", "08006"] {
            assert!(unreachable(&database_error(code)), "{code}");
        }
        // A syntax error, a table not replayed yet: the replica stays in use.
        for code in ["42601", "42P01"] {
            assert!(!unreachable(&database_error(code)), "{code}");
        }
        assert!(!unreachable(&DbErr::RecordNotFound("child".into())));
    }
}
