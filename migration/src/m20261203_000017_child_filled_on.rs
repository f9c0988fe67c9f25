//! The date the registration form was filled in (填表日期), beside who filled, reviewed and
//! approved it. Rows registered before have none.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `child.filled_on`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .add_column(date_null(Child::FilledOn))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .drop_column(Child::FilledOn)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Child {
    Table,
    FilledOn,
}
