//! The audit trail sealed in signed batches instead of a per-row hash chain: each event carries
//! a MAC made with a key the database never sees (`mac`), the sealer gives it a position
//! (`seq`) in a batch (`batch`, a row of `audit_batch` holding the Merkle root of its events,
//! chained to the previous batch and signed), and an event whose MAC does not verify is refused
//! (`refused_at`) instead of sealed. On PostgreSQL the table becomes partitioned by month.
//!
//! Events written before this migration lose their per-row hashes and are sealed again, in
//! batches, once the service (which holds the MAC key) has adopted them.
//!
//! The index of events by subject goes: `audit_subject` answers that, and every index on the
//! trail is paid for by each event written and each event sealed. The record-to-event index is
//! keyed by record and event alone: ids are unique across kinds, and
//! keeping the kind (text) out of the key makes each of a request's many index rows cheaper to
//! insert and store.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

/// Creates `audit_batch`, reshapes `audit_event`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditBatch::Table)
                    .col(big_integer(AuditBatch::Number).primary_key())
                    .col(big_integer(AuditBatch::FirstSeq))
                    .col(big_integer(AuditBatch::LastSeq))
                    .col(string(AuditBatch::Root))
                    .col(string(AuditBatch::PrevHead))
                    .col(string(AuditBatch::Head))
                    .col(string(AuditBatch::Signature))
                    .col(timestamp_with_time_zone(AuditBatch::SealedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => db.execute_unprepared(PARTITION_POSTGRES).await?,
            _ => {
                db.execute_unprepared(
                    "DROP INDEX idx_audit_event_unsealed; DROP INDEX idx_audit_event_subject;",
                )
                .await?;
                for column in [
                    ColumnDef::new(AuditEvent::Mac).string().null().to_owned(),
                    ColumnDef::new(AuditEvent::Batch)
                        .big_integer()
                        .null()
                        .to_owned(),
                    ColumnDef::new(AuditEvent::RefusedAt)
                        .timestamp_with_time_zone()
                        .null()
                        .to_owned(),
                ] {
                    manager
                        .alter_table(
                            Table::alter()
                                .table(AuditEvent::Table)
                                .add_column(column)
                                .to_owned(),
                        )
                        .await?;
                }
                for column in [AuditEvent::PrevHash, AuditEvent::Hash] {
                    manager
                        .alter_table(
                            Table::alter()
                                .table(AuditEvent::Table)
                                .drop_column(column)
                                .to_owned(),
                        )
                        .await?;
                }
                db.execute_unprepared("UPDATE audit_event SET seq = NULL")
                    .await?
            }
        };
        db.execute_unprepared(
            "CREATE INDEX idx_audit_event_unsealed ON audit_event (id) \
             WHERE seq IS NULL AND refused_at IS NULL",
        )
        .await?;
        rekey_subjects(manager, false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rekey_subjects(manager, true).await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_audit_event_unsealed")
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => db.execute_unprepared(UNPARTITION_POSTGRES).await?,
            _ => {
                for column in [AuditEvent::Mac, AuditEvent::Batch, AuditEvent::RefusedAt] {
                    manager
                        .alter_table(
                            Table::alter()
                                .table(AuditEvent::Table)
                                .drop_column(column)
                                .to_owned(),
                        )
                        .await?;
                }
                for column in [AuditEvent::PrevHash, AuditEvent::Hash] {
                    manager
                        .alter_table(
                            Table::alter()
                                .table(AuditEvent::Table)
                                .add_column(ColumnDef::new(column).string().null().to_owned())
                                .to_owned(),
                        )
                        .await?;
                }
                db.execute_unprepared(
                    "UPDATE audit_event SET seq = NULL; \
                     CREATE INDEX idx_audit_event_subject ON audit_event (subject_id, occurred_at);",
                )
                .await?
            }
        };
        db.execute_unprepared(
            "CREATE INDEX idx_audit_event_unsealed ON audit_event (seq, occurred_at)",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(AuditBatch::Table).to_owned())
            .await
    }
}

/// Rebuilds `audit_subject` keyed by (record, event), or back by (record, kind, event), in one
/// call so that SQLite runs it on one connection (a pooled connection that has not yet seen the
/// old table dropped would refuse the new one its name).
async fn rekey_subjects(manager: &SchemaManager<'_>, with_kind: bool) -> Result<(), DbErr> {
    let (uuid, pkey) = match manager.get_database_backend() {
        DatabaseBackend::Postgres => (
            "uuid",
            "ALTER INDEX audit_subject_rekeyed_pkey RENAME TO audit_subject_pkey;",
        ),
        _ => ("uuid_text", ""),
    };
    let key = if with_kind {
        "subject_id, subject_type, event_id"
    } else {
        "subject_id, event_id"
    };
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "CREATE TABLE audit_subject_rekeyed (subject_id {uuid} NOT NULL, \
             subject_type varchar NOT NULL, event_id {uuid} NOT NULL, PRIMARY KEY ({key})); \
             INSERT INTO audit_subject_rekeyed (subject_id, subject_type, event_id) \
             SELECT subject_id, min(subject_type), event_id FROM audit_subject \
             GROUP BY subject_id, event_id; \
             DROP TABLE audit_subject; \
             ALTER TABLE audit_subject_rekeyed RENAME TO audit_subject; {pkey}"
        ))
        .await?;
    Ok(())
}

/// (The per-row chain's index on `(seq, occurred_at)` goes with the old table; the new one,
/// named alike, holds only the events waiting to be sealed, in the order the sealer takes them.)
///
/// The table rebuilt as partitioned by month of `occurred_at` (UTC), with a partition for each
/// month that has events and for this month, and a default partition for anything outside the
/// partitions the service creates ahead. The primary key includes the partition key, as
/// PostgreSQL requires; `seq` is no longer unique by constraint (the sealer gives each position
/// once, and `audit verify` reports a repeated one as inserted).
const PARTITION_POSTGRES: &str = r#"
ALTER TABLE audit_event RENAME TO audit_event_unpartitioned;
ALTER INDEX audit_event_pkey RENAME TO audit_event_unpartitioned_pkey;
CREATE TABLE audit_event (
    id uuid NOT NULL,
    seq bigint,
    batch bigint,
    occurred_at timestamp with time zone NOT NULL,
    actor_account_id uuid,
    actor_role varchar,
    action varchar NOT NULL,
    subject_type varchar,
    subject_id uuid,
    detail text NOT NULL,
    request_id varchar,
    mac varchar,
    refused_at timestamp with time zone,
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE audit_event_default PARTITION OF audit_event DEFAULT;
DO $$
DECLARE
    month timestamp;
BEGIN
    FOR month IN
        SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC') FROM audit_event_unpartitioned
        UNION
        SELECT date_trunc('month', now() AT TIME ZONE 'UTC')
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)',
            'audit_event_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM'),
            month AT TIME ZONE 'UTC',
            (month + interval '1 month') AT TIME ZONE 'UTC'
        );
    END LOOP;
END $$;
INSERT INTO audit_event (id, occurred_at, actor_account_id, actor_role, action, subject_type,
                         subject_id, detail, request_id)
SELECT id, occurred_at, actor_account_id, actor_role, action, subject_type, subject_id, detail,
       request_id
FROM audit_event_unpartitioned;
DROP TABLE audit_event_unpartitioned;
CREATE INDEX idx_audit_event_seq ON audit_event (seq);
"#;

/// Back to one table with the per-row hash columns (left empty: the old chain starts again).
const UNPARTITION_POSTGRES: &str = r#"
ALTER TABLE audit_event RENAME TO audit_event_partitioned;
ALTER INDEX audit_event_pkey RENAME TO audit_event_partitioned_pkey;
CREATE TABLE audit_event (
    id uuid NOT NULL PRIMARY KEY,
    seq bigint UNIQUE,
    occurred_at timestamp with time zone NOT NULL,
    actor_account_id uuid,
    actor_role varchar,
    action varchar NOT NULL,
    subject_type varchar,
    subject_id uuid,
    detail text NOT NULL,
    request_id varchar,
    prev_hash varchar,
    hash varchar
);
INSERT INTO audit_event (id, occurred_at, actor_account_id, actor_role, action, subject_type,
                         subject_id, detail, request_id)
SELECT id, occurred_at, actor_account_id, actor_role, action, subject_type, subject_id, detail,
       request_id
FROM audit_event_partitioned;
DROP TABLE audit_event_partitioned;
CREATE INDEX idx_audit_event_subject ON audit_event (subject_id, occurred_at);
"#;

#[derive(DeriveIden)]
enum AuditBatch {
    Table,
    Number,
    FirstSeq,
    LastSeq,
    Root,
    PrevHead,
    Head,
    Signature,
    SealedAt,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Mac,
    Batch,
    RefusedAt,
    PrevHash,
    Hash,
}
