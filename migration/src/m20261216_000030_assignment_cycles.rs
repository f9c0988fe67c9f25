//! The plan's standing tasks come round again: at the end of each cycle (the year, the quarter,
//! the plan's date) a plan-task assignment starts the next one, open again with the next due
//! date, and the cycle that ended is kept in `assignment_cycle` as it stood, so that the
//! appraisal of a past period still counts it.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `assignment_cycle`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const STATES: &[&str] = &["open", "in_progress", "done"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssignmentCycle::Table)
                    .col(pk_uuid(AssignmentCycle::Id))
                    .col(uuid(AssignmentCycle::AssignmentId))
                    .col(date(AssignmentCycle::DueOn))
                    .col(
                        string(AssignmentCycle::Status).check(
                            Expr::col(AssignmentCycle::Status).is_in(STATES.iter().copied()),
                        ),
                    )
                    .col(integer(AssignmentCycle::ProgressPercent))
                    .col(timestamp_with_time_zone_null(AssignmentCycle::DoneAt))
                    .col(timestamp_with_time_zone(AssignmentCycle::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assignment_cycle_assignment")
                            .from(AssignmentCycle::Table, AssignmentCycle::AssignmentId)
                            .to(Assignment::Table, Assignment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assignment_cycle_due")
                    .table(AssignmentCycle::Table)
                    .col(AssignmentCycle::AssignmentId)
                    .col(AssignmentCycle::DueOn)
                    .unique()
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AssignmentCycle::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AssignmentCycle {
    Table,
    Id,
    AssignmentId,
    DueOn,
    Status,
    ProgressPercent,
    DoneAt,
    ClosedAt,
}
