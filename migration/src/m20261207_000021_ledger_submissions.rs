//! Quarterly submissions of the ledger (每季度报送): each records a region's submission of the
//! children registered, changed or closed since its previous one, with the children it held and
//! the version and status each had, so that the same file can be downloaded again whatever
//! changes after, and the next submission holds exactly the children whose version moved on.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `ledger_submission` and `ledger_submission_child`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerSubmission::Table)
                    .col(pk_uuid(LedgerSubmission::Id))
                    .col(uuid(LedgerSubmission::RegionId))
                    .col(string(LedgerSubmission::RegionPath))
                    .col(integer(LedgerSubmission::Sequence))
                    .col(timestamp_with_time_zone_null(LedgerSubmission::Since))
                    .col(timestamp_with_time_zone(LedgerSubmission::Until))
                    .col(uuid(LedgerSubmission::SubmittedBy))
                    .col(integer(LedgerSubmission::NewRecords))
                    .col(integer(LedgerSubmission::ChangedRecords))
                    .col(integer(LedgerSubmission::ClosedRecords))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_submission_region")
                            .from(LedgerSubmission::Table, LedgerSubmission::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_submission_account")
                            .from(LedgerSubmission::Table, LedgerSubmission::SubmittedBy)
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await?;
        // A region's submissions are numbered: two submitting at once cannot both follow the
        // same one.
        manager
            .create_index(
                Index::create()
                    .name("uq_ledger_submission_sequence")
                    .table(LedgerSubmission::Table)
                    .col(LedgerSubmission::RegionId)
                    .col(LedgerSubmission::Sequence)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerSubmissionChild::Table)
                    .col(uuid(LedgerSubmissionChild::SubmissionId))
                    .col(uuid(LedgerSubmissionChild::ChildId))
                    .col(
                        string(LedgerSubmissionChild::Change).check(
                            Expr::col(LedgerSubmissionChild::Change)
                                .is_in(["new", "changed", "closed"]),
                        ),
                    )
                    .col(integer(LedgerSubmissionChild::Version))
                    .col(string(LedgerSubmissionChild::Status))
                    .primary_key(
                        Index::create()
                            .col(LedgerSubmissionChild::SubmissionId)
                            .col(LedgerSubmissionChild::ChildId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_submission_child_submission")
                            .from(
                                LedgerSubmissionChild::Table,
                                LedgerSubmissionChild::SubmissionId,
                            )
                            .to(LedgerSubmission::Table, LedgerSubmission::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_submission_child_child")
                            .from(LedgerSubmissionChild::Table, LedgerSubmissionChild::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .take(),
            )
            .await?;
        // A submission finds the children whose version moved on since the region's earlier
        // submissions took them: one lookup per child by this index.
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_submission_child_version")
                    .table(LedgerSubmissionChild::Table)
                    .col(LedgerSubmissionChild::ChildId)
                    .col(LedgerSubmissionChild::Version)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LedgerSubmissionChild::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LedgerSubmission::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LedgerSubmission {
    Table,
    Id,
    RegionId,
    RegionPath,
    Sequence,
    Since,
    Until,
    SubmittedBy,
    NewRecords,
    ChangedRecords,
    ClosedRecords,
}

#[derive(DeriveIden)]
enum LedgerSubmissionChild {
    Table,
    SubmissionId,
    ChildId,
    Change,
    Version,
    Status,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Child {
    Table,
    Id,
}
