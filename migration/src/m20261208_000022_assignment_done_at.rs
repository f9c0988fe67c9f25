//! When each assignment was done (`assignment.done_at`), so that the joint meeting's overview
//! can be drawn month by month: what each unit was assigned, finished, and left overdue at the
//! end of every month. Assignments already done take the time they last changed, the nearest
//! the database holds.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `assignment.done_at` and fills it for assignments already done.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .add_column(timestamp_with_time_zone_null(Assignment::DoneAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE assignment SET done_at = updated_at WHERE status = 'done'")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .drop_column(Assignment::DoneAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    DoneAt,
}
