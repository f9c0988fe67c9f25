//! Monthly snapshots of the ledger, for trends: what history does not keep (a child's attributes
//! as they stood at the end of a month) is counted once a month and kept as counts, never as
//! rows. `ledger_snapshot` holds one row per month taken (its primary key is what lets only one
//! of several instances take it); `ledger_snapshot_count` the month's children per village,
//! attribute and value, with the sum of their statistics keys for rounding.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `ledger_snapshot` and `ledger_snapshot_count`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerSnapshot::Table)
                    .col(date(LedgerSnapshot::Month).primary_key())
                    .col(timestamp_with_time_zone(LedgerSnapshot::TakenAt))
                    .col(big_integer(LedgerSnapshot::Children))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerSnapshotCount::Table)
                    .col(string(LedgerSnapshotCount::Dimension))
                    .col(date(LedgerSnapshotCount::Month))
                    .col(string(LedgerSnapshotCount::RegionPath))
                    .col(string(LedgerSnapshotCount::Value))
                    .col(big_integer(LedgerSnapshotCount::Children))
                    .col(big_integer(LedgerSnapshotCount::StatKey))
                    .primary_key(
                        Index::create()
                            .col(LedgerSnapshotCount::Dimension)
                            .col(LedgerSnapshotCount::Month)
                            .col(LedgerSnapshotCount::RegionPath)
                            .col(LedgerSnapshotCount::Value),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_snapshot_count_month")
                            .from(LedgerSnapshotCount::Table, LedgerSnapshotCount::Month)
                            .to(LedgerSnapshot::Table, LedgerSnapshot::Month)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LedgerSnapshotCount::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LedgerSnapshot::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LedgerSnapshot {
    Table,
    Month,
    TakenAt,
    Children,
}

#[derive(DeriveIden)]
enum LedgerSnapshotCount {
    Table,
    Dimension,
    Month,
    RegionPath,
    Value,
    Children,
    StatKey,
}
