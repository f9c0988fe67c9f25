//! The audit trail's side index from record to event: a request's sensitive reads are one event
//! listing every record read, and `audit_subject` holds one narrow row per record and event, so
//! "who touched this child" stays a lookup. Events written before it are indexed by their
//! subject.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `audit_subject` and fills it from the events' subjects.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditSubject::Table)
                    .col(uuid(AuditSubject::SubjectId))
                    .col(string(AuditSubject::SubjectType))
                    .col(uuid(AuditSubject::EventId))
                    .primary_key(
                        Index::create()
                            .col(AuditSubject::SubjectId)
                            .col(AuditSubject::SubjectType)
                            .col(AuditSubject::EventId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO audit_subject (subject_id, subject_type, event_id) \
                 SELECT subject_id, subject_type, id FROM audit_event \
                 WHERE subject_id IS NOT NULL AND subject_type IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditSubject::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditSubject {
    Table,
    SubjectId,
    SubjectType,
    EventId,
}
