//! Each child's record key for statistics (`child.stat_key`): a random number below 2^20 that
//! decides, summed over a count's children, which way the count is rounded for callers who may
//! not read the children in full. Rows registered before get theirs drawn here.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

/// Adds `child.stat_key` and draws it for every child.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .add_column(integer(Child::StatKey).default(0))
                    .to_owned(),
            )
            .await?;
        let draw = match manager.get_database_backend() {
            DatabaseBackend::Postgres => "floor(random() * 1048576)::integer",
            _ => "abs(random()) % 1048576",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!("UPDATE child SET stat_key = {draw}"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .drop_column(Child::StatKey)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Child {
    Table,
    StatKey,
}
