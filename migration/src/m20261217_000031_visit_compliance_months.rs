//! Visit compliance kept per closed month, so that a dashboard's year of compliance does not
//! read a year of visits. `visit_compliance_month` holds one row per month whose counts were
//! taken (its primary key is what lets only one of several instances take a month), marked
//! `stale` when a visit is recorded into the month afterwards, until the month is taken again;
//! `visit_compliance_count` the month's children due a visit and visited, per village, with the
//! sums of their statistics keys for rounding. Only counts are kept, never rows.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `visit_compliance_month` and `visit_compliance_count`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VisitComplianceMonth::Table)
                    .col(date(VisitComplianceMonth::Month).primary_key())
                    .col(timestamp_with_time_zone(VisitComplianceMonth::TakenAt))
                    .col(boolean(VisitComplianceMonth::Stale).default(false))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VisitComplianceCount::Table)
                    .col(date(VisitComplianceCount::Month))
                    .col(string(VisitComplianceCount::RegionPath))
                    .col(big_integer(VisitComplianceCount::Due))
                    .col(big_integer(VisitComplianceCount::DueKey))
                    .col(big_integer(VisitComplianceCount::Visited))
                    .col(big_integer(VisitComplianceCount::VisitedKey))
                    .primary_key(
                        Index::create()
                            .col(VisitComplianceCount::Month)
                            .col(VisitComplianceCount::RegionPath),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_visit_compliance_count_month")
                            .from(VisitComplianceCount::Table, VisitComplianceCount::Month)
                            .to(VisitComplianceMonth::Table, VisitComplianceMonth::Month)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VisitComplianceCount::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(VisitComplianceMonth::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum VisitComplianceMonth {
    Table,
    Month,
    TakenAt,
    Stale,
}

#[derive(DeriveIden)]
enum VisitComplianceCount {
    Table,
    Month,
    RegionPath,
    Due,
    DueKey,
    Visited,
    VisitedKey,
}
