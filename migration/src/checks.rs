//! Changing the values a column's check admits, on both databases.
//!
//! PostgreSQL replaces the check constraint (named `<table>_<column>_check`, as an inline check
//! is). SQLite cannot alter a constraint; a check whose list of values changes does not change
//! what is stored, so the table's definition is rewritten in place the way SQLite documents
//! for such changes (`writable_schema`, then a new schema version so that every connection
//! reads it again), and the rewrite is verified.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

/// A list of values as SQL: `'a', 'b'`.
fn listed(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Makes the check on `table.column` admit `to` instead of `from` (the values it admitted).
/// On SQLite a check that admits `to` already is left as it is.
pub async fn admit(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    from: &[&str],
    to: &[&str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let (from, to) = (listed(from), listed(to));
    if manager.get_database_backend() == DbBackend::Postgres {
        return db
            .execute_unprepared(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_check, \
                 ADD CONSTRAINT {table}_{column}_check CHECK ({column} IN ({to}))"
            ))
            .await
            .map(|_| ());
    }
    let quoted = |text: &str| text.replace('\'', "''");
    let version: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA schema_version",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no schema version".into()))?
        .try_get_by_index(0)?;
    // One batch, so that every statement runs on the one connection that allowed the rewrite.
    db.execute_unprepared(&format!(
        "PRAGMA writable_schema = ON; \
         UPDATE sqlite_master SET sql = replace(sql, '\"{column}\" IN ({from})', \
         '\"{column}\" IN ({to})') WHERE type = 'table' AND name = '{table}'; \
         PRAGMA schema_version = {}; PRAGMA writable_schema = OFF;",
        version + 1,
        from = quoted(&from),
        to = quoted(&to),
    ))
    .await?;
    let admitted = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}' \
                 AND instr(sql, '\"{column}\" IN ({to})') > 0",
                to = quoted(&to),
            ),
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?;
    if admitted == Some(1) {
        Ok(())
    } else {
        Err(DbErr::Custom(format!(
            "{table}.{column}: the check was not rewritten"
        )))
    }
}

/// How many rows of `table` hold one of `values` in `column`.
pub async fn holding(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    values: &[&str],
) -> Result<i64, DbErr> {
    Ok(manager
        .get_connection()
        .query_one_raw(Statement::from_string(
            manager.get_database_backend(),
            format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} IN ({})",
                listed(values)
            ),
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or_default())
}
