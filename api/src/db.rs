//! Connecting to the database and migrating it.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::Config;

/// Opens the pool. A SQLite file is created when missing; SQLite gets foreign keys enforced,
/// write-ahead logging and a busy timeout so concurrent requests wait rather than fail.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    open(config, config.database_max_connections, true).await
}

/// A connection for rolling migrations back (`migration::rollback`): on SQLite without
/// foreign-key enforcement, which refuses to drop a table whose rows refer to each other (a
/// region's parent) as the rollback takes the schema down.
pub async fn connect_for_rollback(config: &Config) -> Result<DatabaseConnection, DbErr> {
    open(config, 1, false).await
}

async fn open(
    config: &Config,
    max_connections: u32,
    foreign_keys: bool,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = pool_options(&config.database_url, max_connections);
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if config.database_url.starts_with("sqlite:") {
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.foreign_keys(foreign_keys)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    }
    Database::connect(options)
        .await
        .map_err(|error| redacted(error, &config.database_url))
}

/// The pool of the streaming replica, when `database_replica_url` names one. It connects when
/// first used, so that the service starts while the replica is down, and gives up on a
/// connection within two seconds, so that reading work falls back to the primary quickly.
/// Refused for a SQLite primary, which has no replica, and for a replica that is not
/// PostgreSQL.
pub async fn connect_replica(config: &Config) -> Result<Option<DatabaseConnection>, DbErr> {
    let Some(url) = config.database_replica_url.as_deref() else {
        return Ok(None);
    };
    let postgres = |url: &str| url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !postgres(&config.database_url) || !postgres(url) {
        return Err(DbErr::Custom(
            "database_replica_url names a streaming replica of a PostgreSQL primary: both it \
             and database_url must be postgres:// URLs"
                .to_owned(),
        ));
    }
    let mut options = pool_options(url, config.database_max_connections);
    // The server ends a statement the service has abandoned (after the same time), so that an
    // abandoned statement does not run on.
    let statement_timeout = format!("{}s", config.database_replica_timeout_secs.max(1));
    options
        .min_connections(0)
        .connect_timeout(Duration::from_secs(2))
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy(true)
        .map_sqlx_postgres_opts(move |opts| {
            opts.options([("statement_timeout", statement_timeout.as_str())])
        });
    Database::connect(options)
        .await
        .map(Some)
        .map_err(|error| redacted(error, url))
}

/// `error` with the password of `url` masked: a connection string that cannot be parsed is
/// quoted whole in the error, which ends in the log.
fn redacted(error: DbErr, url: &str) -> DbErr {
    // The credentials end at the authority's last `@` (a password may hold one).
    let password = url
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
        .and_then(|authority| authority.rsplit_once('@'))
        .and_then(|(credentials, _)| credentials.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    match password {
        Some(password) if error.to_string().contains(password) => {
            DbErr::Custom(error.to_string().replace(password, "***"))
        }
        _ => error,
    }
}

/// What every pool shares: its size, the check of connections left idle, and no logging of
/// each statement.
fn pool_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        // A connection idle long enough to have been dropped by the server or a firewall is
        // pinged before use; a busy one is not (a ping on every checkout doubles the round
        // trips of a request's statements).
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    options
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so that it waits for another writer instead of failing when its read
/// snapshot goes stale; PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_error_quoting_the_url_masks_its_password() {
        let url = "postgres://shouhu:s3cret@pw@replica:5432/shouhu";
        let quoted = DbErr::Conn(sea_orm::RuntimeErr::Internal(format!(
            "The connection string '{url}' cannot be parsed."
        )));
        let masked = redacted(quoted, url).to_string();
        assert!(!masked.contains("s3cret"), "{masked}");
        assert!(
            masked.contains("postgres://shouhu:***@replica:5432/shouhu"),
            "{masked}"
        );
        let other = DbErr::Custom("refused".to_owned());
        assert_eq!(redacted(other, url).to_string(), "Custom Error: refused");
    }
}
