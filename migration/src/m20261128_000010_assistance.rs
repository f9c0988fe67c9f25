//! Assessment and assistance (评估帮扶): assessments of a child's situation, the service items
//! that follow, and break-glass access to a record outside one's scope in an emergency.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Assessment::Table)
                    .col(pk_uuid(Assessment::Id))
                    .col(uuid(Assessment::ChildId))
                    .col(uuid_null(Assessment::ReportId))
                    .col(string(Assessment::RegionPath))
                    .col(text(Assessment::Participants))
                    .col(
                        string(Assessment::State)
                            .check(Expr::col(Assessment::State).is_in(["open", "completed"])),
                    )
                    .col(text_null(Assessment::Safety))
                    .col(text_null(Assessment::Guardianship))
                    .col(text_null(Assessment::PhysicalHealth))
                    .col(text_null(Assessment::MentalHealth))
                    .col(string_null(Assessment::RiskLevel))
                    .col(text_null(Assessment::Summary))
                    .col(uuid(Assessment::StartedBy))
                    .col(timestamp_with_time_zone(Assessment::StartedAt))
                    .col(uuid_null(Assessment::CompletedBy))
                    .col(timestamp_with_time_zone_null(Assessment::CompletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assessment_child")
                            .from(Assessment::Table, Assessment::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assessment_report")
                            .from(Assessment::Table, Assessment::ReportId)
                            .to(Report::Table, Report::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assessment_child")
                    .table(Assessment::Table)
                    .col(Assessment::ChildId)
                    .take(),
            )
            .await?;
        // One open assessment per child, and one assessment per report, even when two
        // township accounts start them at once.
        manager
            .create_index(
                Index::create()
                    .name("ux_assessment_open_child")
                    .table(Assessment::Table)
                    .col(Assessment::ChildId)
                    .unique()
                    .and_where(Expr::col(Assessment::State).eq("open"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_assessment_report")
                    .table(Assessment::Table)
                    .col(Assessment::ReportId)
                    .unique()
                    .and_where(Expr::col(Assessment::ReportId).is_not_null())
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assessment_region")
                    .table(Assessment::Table)
                    .col(Assessment::RegionPath)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceItem::Table)
                    .col(pk_uuid(ServiceItem::Id))
                    .col(uuid(ServiceItem::ChildId))
                    .col(uuid_null(ServiceItem::AssessmentId))
                    .col(string(ServiceItem::Kind))
                    .col(uuid(ServiceItem::OrganizationId))
                    .col(date(ServiceItem::DueOn))
                    .col(
                        string(ServiceItem::State).check(Expr::col(ServiceItem::State).is_in([
                            "open",
                            "in_progress",
                            "done",
                            "declined",
                        ])),
                    )
                    .col(text_null(ServiceItem::Note))
                    .col(text_null(ServiceItem::Outcome))
                    .col(text_null(ServiceItem::DeclineReason))
                    .col(uuid_null(ServiceItem::GrantId))
                    .col(uuid(ServiceItem::CreatedBy))
                    .col(timestamp_with_time_zone(ServiceItem::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceItem::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_item_child")
                            .from(ServiceItem::Table, ServiceItem::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_item_assessment")
                            .from(ServiceItem::Table, ServiceItem::AssessmentId)
                            .to(Assessment::Table, Assessment::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_item_organization")
                            .from(ServiceItem::Table, ServiceItem::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_item_grant")
                            .from(ServiceItem::Table, ServiceItem::GrantId)
                            .to(AccessGrant::Table, AccessGrant::Id),
                    )
                    .take(),
            )
            .await?;
        for (name, column) in [
            ("idx_service_item_child", ServiceItem::ChildId),
            ("idx_service_item_organization", ServiceItem::OrganizationId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ServiceItem::Table)
                        .col(column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(BreakGlass::Table)
                    .col(pk_uuid(BreakGlass::Id))
                    .col(uuid(BreakGlass::AccountId))
                    .col(uuid(BreakGlass::OrganizationId))
                    .col(uuid(BreakGlass::ChildId))
                    .col(text(BreakGlass::Reason))
                    .col(timestamp_with_time_zone(BreakGlass::OpenedAt))
                    .col(timestamp_with_time_zone(BreakGlass::ExpiresAt))
                    .col(uuid_null(BreakGlass::ReviewedBy))
                    .col(timestamp_with_time_zone_null(BreakGlass::ReviewedAt))
                    .col(text_null(BreakGlass::ReviewNote))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_break_glass_account")
                            .from(BreakGlass::Table, BreakGlass::AccountId)
                            .to(Account::Table, Account::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_break_glass_child")
                            .from(BreakGlass::Table, BreakGlass::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_break_glass_account_child")
                    .table(BreakGlass::Table)
                    .col(BreakGlass::AccountId)
                    .col(BreakGlass::ChildId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_access_grant_child")
                    .table(AccessGrant::Table)
                    .col(AccessGrant::ChildId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_access_grant_child")
                    .table(AccessGrant::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            BreakGlass::Table.into_iden(),
            ServiceItem::Table.into_iden(),
            Assessment::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Child {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Report {
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

#[derive(DeriveIden)]
enum AccessGrant {
    Table,
    Id,
    ChildId,
}

#[derive(DeriveIden)]
enum Assessment {
    Table,
    Id,
    ChildId,
    ReportId,
    RegionPath,
    Participants,
    State,
    Safety,
    Guardianship,
    PhysicalHealth,
    MentalHealth,
    RiskLevel,
    Summary,
    StartedBy,
    StartedAt,
    CompletedBy,
    CompletedAt,
}

#[derive(DeriveIden)]
enum ServiceItem {
    Table,
    Id,
    ChildId,
    AssessmentId,
    Kind,
    OrganizationId,
    DueOn,
    State,
    Note,
    Outcome,
    DeclineReason,
    GrantId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BreakGlass {
    Table,
    Id,
    AccountId,
    OrganizationId,
    ChildId,
    Reason,
    OpenedAt,
    ExpiresAt,
    ReviewedBy,
    ReviewedAt,
    ReviewNote,
}
