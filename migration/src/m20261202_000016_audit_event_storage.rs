//! Cheaper audit writes on PostgreSQL, the same trail:
//! - An event's row is kept whole in its page up to 8,160 bytes (`toast_tuple_target`) instead
//!   of the default 2,032. A request that read 20 children and their guardians makes a row of
//!   some 2,500 bytes, mostly record ids, which the default made PostgreSQL try to compress (and
//!   fail: ids do not compress) on every insert and again on every sealing, at twice the cost of
//!   the insert itself. Set on every partition (a partitioned table holds no rows, so takes no
//!   storage parameters); the service creates later partitions with it.
//! - The index on `seq` holds only sealed events. It held a NULL entry for each event waiting to
//!   be sealed, written with every insert and never read: the sealer finds those through
//!   `idx_audit_event_unsealed`, and every query by position names a range, which no NULL is in.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

/// Sets the audit partitions' storage and narrows the `seq` index.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Runs `ALTER TABLE <partition> <action>` on every partition of `audit_event`.
fn on_every_partition(action: &str) -> String {
    format!(
        "DO $$ DECLARE part regclass; BEGIN \
         FOR part IN SELECT inhrelid::regclass FROM pg_inherits \
                     WHERE inhparent = 'audit_event'::regclass LOOP \
           EXECUTE format('ALTER TABLE %s {action}', part); \
         END LOOP; END $$;"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&on_every_partition("SET (toast_tuple_target = 8160)"))
            .await?;
        db.execute_unprepared(
            "DROP INDEX idx_audit_event_seq; \
             CREATE INDEX idx_audit_event_seq ON audit_event (seq) WHERE seq IS NOT NULL;",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&on_every_partition("RESET (toast_tuple_target)"))
            .await?;
        db.execute_unprepared(
            "DROP INDEX idx_audit_event_seq; \
             CREATE INDEX idx_audit_event_seq ON audit_event (seq);",
        )
        .await?;
        Ok(())
    }
}
