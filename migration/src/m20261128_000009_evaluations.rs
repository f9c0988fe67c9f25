//! Commendation and accountability (强化激励问责) of units and people.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Evaluation::Table)
                    .col(pk_uuid(Evaluation::Id))
                    .col(string(Evaluation::Kind).check(
                        Expr::col(Evaluation::Kind).is_in(["commendation", "accountability"]),
                    ))
                    .col(uuid(Evaluation::OrganizationId))
                    .col(string_null(Evaluation::PersonName))
                    .col(text(Evaluation::Reason))
                    .col(string_null(Evaluation::Reference))
                    .col(date(Evaluation::DecidedOn))
                    .col(uuid(Evaluation::RecordedBy))
                    .col(timestamp_with_time_zone(Evaluation::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evaluation_organization")
                            .from(Evaluation::Table, Evaluation::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_evaluation_organization")
                    .table(Evaluation::Table)
                    .col(Evaluation::OrganizationId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Evaluation::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Evaluation {
    Table,
    Id,
    Kind,
    OrganizationId,
    PersonName,
    Reason,
    Reference,
    DecidedOn,
    RecordedBy,
    CreatedAt,
}
