//! The plan's tasks as records, and progress reports on assignments (责任单位 reporting).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanTask::Table)
                    .col(string(PlanTask::Key).primary_key())
                    .col(string(PlanTask::Section))
                    .col(string(PlanTask::Title))
                    .col(string(PlanTask::English))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .add_column(integer(Assignment::ProgressPercent).default(0))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AssignmentProgress::Table)
                    .col(pk_uuid(AssignmentProgress::Id))
                    .col(uuid(AssignmentProgress::AssignmentId))
                    .col(uuid(AssignmentProgress::AccountId))
                    .col(text(AssignmentProgress::Note))
                    .col(integer(AssignmentProgress::Percent))
                    .col(string_null(AssignmentProgress::EvidenceRef))
                    .col(timestamp_with_time_zone(AssignmentProgress::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_progress_assignment")
                            .from(AssignmentProgress::Table, AssignmentProgress::AssignmentId)
                            .to(Assignment::Table, Assignment::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_progress_assignment")
                    .table(AssignmentProgress::Table)
                    .col(AssignmentProgress::AssignmentId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AssignmentProgress::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .drop_column(Assignment::ProgressPercent)
                    .take(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PlanTask::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PlanTask {
    Table,
    Key,
    Section,
    Title,
    English,
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
    ProgressPercent,
}

#[derive(DeriveIden)]
enum AssignmentProgress {
    Table,
    Id,
    AssignmentId,
    AccountId,
    Note,
    Percent,
    EvidenceRef,
    At,
}
