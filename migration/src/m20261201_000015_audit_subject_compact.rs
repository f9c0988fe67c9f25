//! On PostgreSQL the record-to-event index becomes one row per event: the event's id and the
//! ids of every record it concerns as a `uuid[]`, found through a GIN index. A request that read
//! 20 children and their guardians wrote some 60 narrow rows, each with its own B-tree entry;
//! that was three quarters of the database time the audit trail cost a request. The rows are
//! written once and never updated (sealing rewrites `audit_event`, which is why the array is not
//! a column there: each sealing would re-insert every entry of it into the GIN index). SQLite,
//! which has no inverted index, keeps one row per record and event.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

/// Reshapes `audit_subject` on PostgreSQL.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE audit_subject_compact (event_id uuid PRIMARY KEY, \
                 subject_ids uuid[] NOT NULL); \
                 INSERT INTO audit_subject_compact (event_id, subject_ids) \
                 SELECT event_id, array_agg(subject_id ORDER BY subject_id) FROM audit_subject \
                 GROUP BY event_id; \
                 DROP TABLE audit_subject; \
                 ALTER TABLE audit_subject_compact RENAME TO audit_subject; \
                 ALTER INDEX audit_subject_compact_pkey RENAME TO audit_subject_pkey; \
                 CREATE INDEX idx_audit_subject_ids ON audit_subject USING gin (subject_ids);",
            )
            .await?;
        Ok(())
    }

    /// One row per record again, each with the kind its event's authenticated content gives it
    /// (the subject's kind, or the kind of the `read` group that lists it).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE audit_subject_rows (subject_id uuid NOT NULL, \
                 subject_type varchar NOT NULL, event_id uuid NOT NULL, \
                 PRIMARY KEY (subject_id, event_id)); \
                 INSERT INTO audit_subject_rows (subject_id, subject_type, event_id) \
                 SELECT r.subject_id, min(k.kind), r.event_id \
                 FROM (SELECT unnest(subject_ids) AS subject_id, event_id FROM audit_subject) r \
                 JOIN (SELECT id AS event_id, subject_id, subject_type AS kind FROM audit_event \
                       WHERE subject_id IS NOT NULL \
                       UNION ALL \
                       SELECT e.id, (i.value #>> '{}')::uuid, g.value ->> 'type' \
                       FROM audit_event e, \
                            jsonb_array_elements(e.detail::jsonb -> 'read') g, \
                            jsonb_array_elements(g.value -> 'ids') i \
                       WHERE e.detail LIKE '%\"read\"%' \
                         AND jsonb_typeof(e.detail::jsonb -> 'read') = 'array') k \
                   ON k.event_id = r.event_id AND k.subject_id = r.subject_id \
                 GROUP BY r.subject_id, r.event_id; \
                 DROP TABLE audit_subject; \
                 ALTER TABLE audit_subject_rows RENAME TO audit_subject; \
                 ALTER INDEX audit_subject_rows_pkey RENAME TO audit_subject_pkey;",
            )
            .await?;
        Ok(())
    }
}
