//! A count of changes to each child's guardians as the registration form lists them
//! (`child.guardians_version`), kept beside what each quarterly submission took
//! (`ledger_submission_child.guardians_version`), so that a guardian linked, unlinked,
//! entrusted or edited puts the child into the region's next submission as changed, by
//! version as the child's own changes are, never by time.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `child.guardians_version` and `ledger_submission_child.guardians_version`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .add_column(integer(Child::GuardiansVersion).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerSubmissionChild::Table)
                    .add_column(integer(LedgerSubmissionChild::GuardiansVersion).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerSubmissionChild::Table)
                    .drop_column(LedgerSubmissionChild::GuardiansVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .drop_column(Child::GuardiansVersion)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Child {
    Table,
    GuardiansVersion,
}

#[derive(DeriveIden)]
enum LedgerSubmissionChild {
    Table,
    GuardiansVersion,
}
