//! Guardianship interventions (监护干预) against a guardian, and the child's need for a new
//! guardian after a court revokes one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &[&str] = &[
    "criticism_and_education",
    "public_security_penalty",
    "criminal_case_opened",
    "revocation_petition_filed",
    "court_decision",
    "new_guardian_designated",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .add_column(boolean(Child::NeedsGuardian).default(false))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Intervention::Table)
                    .col(pk_uuid(Intervention::Id))
                    .col(uuid(Intervention::ChildId))
                    .col(uuid(Intervention::GuardianId))
                    .col(
                        string(Intervention::Kind)
                            .check(Expr::col(Intervention::Kind).is_in(KINDS.iter().copied())),
                    )
                    .col(text(Intervention::Grounds))
                    .col(string_null(Intervention::Petitioner))
                    .col(string_null(Intervention::CaseNumber))
                    .col(boolean(Intervention::RevokesGuardianship).default(false))
                    .col(uuid_null(Intervention::NewGuardianId))
                    .col(date(Intervention::DecidedOn))
                    .col(uuid(Intervention::RecordedBy))
                    .col(timestamp_with_time_zone(Intervention::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_intervention_child")
                            .from(Intervention::Table, Intervention::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_intervention_guardian")
                            .from(Intervention::Table, Intervention::GuardianId)
                            .to(Guardian::Table, Guardian::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_intervention_child")
                    .table(Intervention::Table)
                    .col(Intervention::ChildId)
                    .col(Intervention::DecidedOn)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Intervention::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Child::Table)
                    .drop_column(Child::NeedsGuardian)
                    .take(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Child {
    Table,
    Id,
    NeedsGuardian,
}

#[derive(DeriveIden)]
enum Guardian {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Intervention {
    Table,
    Id,
    ChildId,
    GuardianId,
    Kind,
    Grounds,
    Petitioner,
    CaseNumber,
    RevokesGuardianship,
    NewGuardianId,
    DecidedOn,
    RecordedBy,
    CreatedAt,
}
