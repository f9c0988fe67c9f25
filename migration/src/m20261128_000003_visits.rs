//! Visits that can be annotated after their correction window, and teachers' contacts with
//! parents and entrusted guardians.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CONTACT_METHODS: &[&str] = &["phone", "video", "home_visit", "parent_meeting"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            text_null(Visit::Annotation).take(),
            uuid_null(Visit::AnnotatedBy).take(),
            timestamp_with_time_zone_null(Visit::AnnotatedAt).take(),
        ] {
            manager
                .alter_table(Table::alter().table(Visit::Table).add_column(column).take())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_visit_visited_at")
                    .table(Visit::Table)
                    .col(Visit::VisitedAt)
                    .col(Visit::Id)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GuardianContact::Table)
                    .col(pk_uuid(GuardianContact::Id))
                    .col(uuid(GuardianContact::ChildId))
                    .col(uuid_null(GuardianContact::GuardianId))
                    .col(uuid(GuardianContact::AccountId))
                    .col(timestamp_with_time_zone(GuardianContact::ContactedAt))
                    .col(string(GuardianContact::Method).check(
                        Expr::col(GuardianContact::Method).is_in(CONTACT_METHODS.iter().copied()),
                    ))
                    .col(text(GuardianContact::Summary))
                    .col(timestamp_with_time_zone(GuardianContact::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guardian_contact_child")
                            .from(GuardianContact::Table, GuardianContact::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guardian_contact_guardian")
                            .from(GuardianContact::Table, GuardianContact::GuardianId)
                            .to(Guardian::Table, Guardian::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guardian_contact_account")
                            .from(GuardianContact::Table, GuardianContact::AccountId)
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_guardian_contact_child")
                    .table(GuardianContact::Table)
                    .col(GuardianContact::ChildId)
                    .col(GuardianContact::ContactedAt)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pairing_school")
                    .table(Pairing::Table)
                    .col(Pairing::SchoolId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_pairing_school")
                    .table(Pairing::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(GuardianContact::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_visit_visited_at")
                    .table(Visit::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Visit::Annotation, Visit::AnnotatedBy, Visit::AnnotatedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Visit::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Visit {
    Table,
    Id,
    VisitedAt,
    Annotation,
    AnnotatedBy,
    AnnotatedAt,
}

#[derive(DeriveIden)]
enum GuardianContact {
    Table,
    Id,
    ChildId,
    GuardianId,
    AccountId,
    ContactedAt,
    Method,
    Summary,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Child {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Guardian {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Pairing {
    Table,
    SchoolId,
}
