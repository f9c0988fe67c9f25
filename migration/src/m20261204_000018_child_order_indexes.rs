//! Indexes in the children list's orders: by name then id (the default) and by birth date then
//! id. A page of children reads by keyset in one of them; with an index on the name alone
//! (`idx_child_name_birth`, made for finding duplicates) PostgreSQL had to read every child
//! sharing the page's first name to order them by id, some 1,600 children per page at 500,000.

use sea_orm_migration::prelude::*;

/// Adds `idx_child_name_id` and `idx_child_birth_id`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The indexes, each with its columns.
const INDEXES: [(&str, Child); 2] = [
    ("idx_child_name_id", Child::Name),
    ("idx_child_birth_id", Child::BirthDate),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Child::Table)
                        .col(column)
                        .col(Child::Id)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Child::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Child {
    Table,
    Id,
    Name,
    BirthDate,
}
