//! Rolling migrations back without surprises. What a rollback drops is found by rehearsing it:
//! each step's `down()` runs in a savepoint that is then undone, and the tables and columns it
//! took away are counted. [`plan`] rehearses every step in one transaction it undoes, so it
//! changes nothing; [`roll_back`] runs each step in a transaction of its own (SQLite and
//! PostgreSQL both undo a schema change with the transaction), rehearsed first inside it, and
//! refuses a step that would drop data unless told it may, so a refused or failed step leaves
//! the database as the step before it left it. On SQLite the connection must not enforce
//! foreign keys (see [`unenforced`]).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm_migration::{
    MigrationTrait, MigratorTrait, SchemaManager,
    sea_orm::{
        ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
        EntityTrait, QueryFilter, Statement, TransactionTrait,
    },
    seaql_migrations,
};

use crate::Migrator;

/// Counts of rows stop here: enough to tell an operator what is at stake without reading a
/// large table through.
pub const COUNT_CAP: u64 = 1_000_000;

/// A table or column a step drops, and the rows (for a column, the values) it holds, counted
/// up to [`COUNT_CAP`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// `table`, or `table.column`.
    pub name: String,
    /// Its rows, or the column's values that are not null.
    pub rows: u64,
}

/// What rolling one migration back drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The migration's name.
    pub migration: String,
    /// The tables it drops.
    pub tables: Vec<Dropped>,
    /// The columns it drops from tables that stay.
    pub columns: Vec<Dropped>,
}

impl Step {
    /// Whether anything it drops holds data.
    pub fn drops_data(&self) -> bool {
        self.tables.iter().chain(&self.columns).any(|d| d.rows > 0)
    }
}

/// The steps of a rollback, newest migration first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The steps.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Whether anything the rollback drops holds data.
    pub fn drops_data(&self) -> bool {
        self.steps.iter().any(Step::drops_data)
    }
}

/// Why a rollback stopped.
#[derive(Debug, thiserror::Error)]
pub enum Stopped {
    /// A step would drop data and that was not allowed; it and the steps after it did not run.
    #[error("{} would drop data: nothing of it was rolled back", .0.migration)]
    WouldDropData(Step),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What rolling back the last `steps` applied migrations would drop, step by step. Changes
/// nothing.
pub async fn plan(db: &DatabaseConnection, steps: u32) -> Result<Plan, DbErr> {
    let chosen = last_applied(db, steps).await?;
    let txn = db.begin().await?;
    unenforced(&txn).await?;
    bounded_waits(&txn).await?;
    let mut planned = Vec::new();
    for migration in chosen {
        planned.push(rehearse(&txn, migration.as_ref()).await?);
        // The next step is rehearsed on the schema this one leaves.
        migration.down(&SchemaManager::new(&txn)).await?;
    }
    txn.rollback().await?;
    Ok(Plan { steps: planned })
}

/// Rolls back the last `steps` applied migrations, newest first, each in a transaction of its
/// own; a step that would drop data stops the rollback unless `drop_data`. Answers the steps
/// done.
pub async fn roll_back(
    db: &DatabaseConnection,
    steps: u32,
    drop_data: bool,
) -> Result<Vec<Step>, Stopped> {
    let mut done = Vec::new();
    for migration in last_applied(db, steps).await? {
        let txn = db.begin().await?;
        unenforced(&txn).await?;
        bounded_waits(&txn).await?;
        let step = rehearse(&txn, migration.as_ref()).await?;
        if step.drops_data() && !drop_data {
            txn.rollback().await?;
            return Err(Stopped::WouldDropData(step));
        }
        migration.down(&SchemaManager::new(&txn)).await?;
        seaql_migrations::Entity::delete_many()
            .filter(seaql_migrations::Column::Version.eq(migration.name()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        done.push(step);
    }
    Ok(done)
}

/// Refuses a SQLite connection that enforces foreign keys: dropping a table runs an implicit
/// `DELETE` there, which a table whose rows refer to each other (a region's parent) refuses.
/// PostgreSQL drops tables without looking at their rows.
async fn unenforced(db: &DatabaseTransaction) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let enforced: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_keys",
        ))
        .await?
        .map(|row| row.try_get_by_index(0))
        .transpose()?
        .unwrap_or_default();
    if enforced == 0 {
        Ok(())
    } else {
        Err(DbErr::Custom(
            "a rollback on SQLite needs a connection without foreign-key enforcement \
             (shouhu::db::connect_for_rollback)"
                .to_owned(),
        ))
    }
}

/// On PostgreSQL, gives up rather than wait more than five seconds for a lock the running
/// service holds, and never stops the service's statements for longer: the tables a step
/// changes are locked for the whole transaction.
async fn bounded_waits(db: &DatabaseTransaction) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SET LOCAL lock_timeout = '5s'")
            .await?;
    }
    Ok(())
}

/// The last `steps` applied migrations, newest first.
async fn last_applied(
    db: &DatabaseConnection,
    steps: u32,
) -> Result<Vec<Box<dyn MigrationTrait>>, DbErr> {
    let applied: BTreeSet<String> = Migrator::get_applied_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    Ok(Migrator::migrations()
        .into_iter()
        .rev()
        .filter(|m| applied.contains(m.name()))
        .take(usize::try_from(steps).unwrap_or(usize::MAX))
        .collect())
}

/// What `migration`'s rollback drops from the schema `db` sees, found by running it in a
/// savepoint that is undone, and counted after.
async fn rehearse(db: &DatabaseTransaction, migration: &dyn MigrationTrait) -> Result<Step, DbErr> {
    let before = schema(db).await?;
    let savepoint = db.begin().await?;
    migration.down(&SchemaManager::new(&savepoint)).await?;
    let after = schema(&savepoint).await?;
    savepoint.rollback().await?;

    let mut step = Step {
        migration: migration.name().to_owned(),
        tables: Vec::new(),
        columns: Vec::new(),
    };
    // What the step drops, locked before it is counted (on PostgreSQL the savepoint's locks
    // went with it), so that no row committed after the count is dropped unseen.
    if db.get_database_backend() == DbBackend::Postgres {
        for (table, columns) in &before {
            if after.get(table).is_none_or(|left| columns != left) {
                db.execute_unprepared(&format!(
                    "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
                    quoted(table)
                ))
                .await?;
            }
        }
    }
    for (table, columns) in &before {
        match after.get(table) {
            None => step.tables.push(Dropped {
                name: table.clone(),
                rows: count(db, table, None).await?,
            }),
            Some(left) => {
                for column in columns.difference(left) {
                    step.columns.push(Dropped {
                        name: format!("{table}.{column}"),
                        rows: count(db, table, Some(column)).await?,
                    });
                }
            }
        }
    }
    Ok(step)
}

/// Every table of the schema in use and its columns, the migrations' own record left out.
async fn schema(db: &impl ConnectionTrait) -> Result<BTreeMap<String, BTreeSet<String>>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema()"
        }
        _ => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master AS m, pragma_table_info(m.name) \
             AS p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
    };
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?
    {
        let table: String = row.try_get("", "t")?;
        if table != "seaql_migrations" {
            tables
                .entry(table)
                .or_default()
                .insert(row.try_get("", "c")?);
        }
    }
    Ok(tables)
}

/// A table's or column's name quoted for SQL.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The rows of `table`, or its values of `column` that are not null, up to [`COUNT_CAP`].
async fn count(db: &impl ConnectionTrait, table: &str, column: Option<&str>) -> Result<u64, DbErr> {
    let condition =
        column.map_or_else(String::new, |c| format!(" WHERE {} IS NOT NULL", quoted(c)));
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {}{condition} LIMIT {COUNT_CAP}) AS counted",
        quoted(table)
    );
    let backend = db.get_database_backend();
    let n: i64 = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .map(|row| row.try_get("", "n"))
        .transpose()?
        .unwrap_or_default();
    Ok(u64::try_from(n).unwrap_or_default())
}
