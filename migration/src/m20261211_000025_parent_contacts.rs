//! Children's contact with their parents working away (「为农村留守儿童通过电话、视频等方式与父母
//! 联系提供便利」): each call, video call or visit home, which unit made it possible and who helped,
//! so that a child who has not heard from a parent in weeks is seen.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `parent_contact`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const METHODS: &[&str] = &["phone", "video", "visit_home"];
const FACILITATORS: &[&str] = &["school", "village", "venue", "family"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ParentContact::Table)
                    .col(pk_uuid(ParentContact::Id))
                    .col(uuid(ParentContact::ChildId))
                    .col(uuid(ParentContact::GuardianId))
                    .col(timestamp_with_time_zone(ParentContact::ContactedAt))
                    .col(
                        string(ParentContact::Method)
                            .check(Expr::col(ParentContact::Method).is_in(METHODS.iter().copied())),
                    )
                    .col(string(ParentContact::FacilitatedBy).check(
                        Expr::col(ParentContact::FacilitatedBy).is_in(FACILITATORS.iter().copied()),
                    ))
                    .col(uuid(ParentContact::OrganizationId))
                    .col(uuid(ParentContact::RecordedBy))
                    .col(text_null(ParentContact::Note))
                    .col(timestamp_with_time_zone(ParentContact::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parent_contact_child")
                            .from(ParentContact::Table, ParentContact::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parent_contact_guardian")
                            .from(ParentContact::Table, ParentContact::GuardianId)
                            .to(Guardian::Table, Guardian::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parent_contact_organization")
                            .from(ParentContact::Table, ParentContact::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parent_contact_account")
                            .from(ParentContact::Table, ParentContact::RecordedBy)
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_parent_contact_child")
                    .table(ParentContact::Table)
                    .col(ParentContact::ChildId)
                    .col(ParentContact::ContactedAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ParentContact::Table).take())
            .await
    }
}

#[derive(DeriveIden)]
enum ParentContact {
    Table,
    Id,
    ChildId,
    GuardianId,
    ContactedAt,
    Method,
    FacilitatedBy,
    OrganizationId,
    RecordedBy,
    Note,
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
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}
