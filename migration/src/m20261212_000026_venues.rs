//! Venues where children are served (「村(居)民委员会必须设立留守儿童服务工作站」, 「依托妇女之家、
//! 儿童快乐家园、儿童活动中心、家长学校等活动场所」): each village's service station and the Women's
//! Federation's homes and schools, with the unit that runs them and their staff, so that the
//! villages still without a station can be named.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `venue` and `venue_staff`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &[&str] = &[
    "village_service_station",
    "womens_home",
    "childrens_happy_home",
    "childrens_activity_centre",
    "parents_school",
    "other",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Venue::Table)
                    .col(pk_uuid(Venue::Id))
                    .col(
                        string(Venue::Kind)
                            .check(Expr::col(Venue::Kind).is_in(KINDS.iter().copied())),
                    )
                    .col(string(Venue::Name))
                    .col(uuid(Venue::RegionId))
                    .col(string(Venue::RegionPath))
                    .col(uuid(Venue::OrganizationId))
                    .col(text_null(Venue::Address))
                    .col(text_null(Venue::OpeningHours))
                    .col(date_null(Venue::ClosedOn))
                    .col(text_null(Venue::CloseReason))
                    .col(uuid(Venue::CreatedBy))
                    .col(timestamp_with_time_zone(Venue::CreatedAt))
                    .col(timestamp_with_time_zone(Venue::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_venue_region")
                            .from(Venue::Table, Venue::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_venue_organization")
                            .from(Venue::Table, Venue::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_venue_account")
                            .from(Venue::Table, Venue::CreatedBy)
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_venue_region_path")
                    .table(Venue::Table)
                    .col(Venue::RegionPath)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VenueStaff::Table)
                    .col(uuid(VenueStaff::VenueId))
                    .col(uuid(VenueStaff::AccountId))
                    .primary_key(
                        Index::create()
                            .col(VenueStaff::VenueId)
                            .col(VenueStaff::AccountId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_venue_staff_venue")
                            .from(VenueStaff::Table, VenueStaff::VenueId)
                            .to(Venue::Table, Venue::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_venue_staff_account")
                            .from(VenueStaff::Table, VenueStaff::AccountId)
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VenueStaff::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(Venue::Table).take())
            .await
    }
}

#[derive(DeriveIden)]
enum Venue {
    Table,
    Id,
    Kind,
    Name,
    RegionId,
    RegionPath,
    OrganizationId,
    Address,
    OpeningHours,
    ClosedOn,
    CloseReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VenueStaff {
    Table,
    VenueId,
    AccountId,
}

#[derive(DeriveIden)]
enum Region {
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
