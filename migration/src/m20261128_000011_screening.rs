//! Key-period screening (重点时段排查): holiday campaigns, hazard sites, teams with their
//! members, and screening records of children and sites.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScreeningCampaign::Table)
                    .col(pk_uuid(ScreeningCampaign::Id))
                    .col(string(ScreeningCampaign::Name))
                    .col(string(ScreeningCampaign::Season).check(
                        Expr::col(ScreeningCampaign::Season).is_in([
                            "winter_holiday",
                            "summer_holiday",
                            "other",
                        ]),
                    ))
                    .col(date(ScreeningCampaign::StartsOn))
                    .col(date(ScreeningCampaign::EndsOn))
                    .col(uuid(ScreeningCampaign::RegionId))
                    .col(string(ScreeningCampaign::RegionPath))
                    .col(uuid(ScreeningCampaign::CreatedBy))
                    .col(timestamp_with_time_zone(ScreeningCampaign::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_campaign_region")
                            .from(ScreeningCampaign::Table, ScreeningCampaign::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HazardSite::Table)
                    .col(pk_uuid(HazardSite::Id))
                    .col(
                        string(HazardSite::Kind).check(Expr::col(HazardSite::Kind).is_in([
                            "water",
                            "road",
                            "construction",
                            "other",
                        ])),
                    )
                    .col(text(HazardSite::Place))
                    .col(string(HazardSite::Risk))
                    .col(text_null(HazardSite::Note))
                    .col(uuid(HazardSite::RegionId))
                    .col(string(HazardSite::RegionPath))
                    .col(uuid(HazardSite::CreatedBy))
                    .col(timestamp_with_time_zone(HazardSite::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_hazard_site_region")
                            .from(HazardSite::Table, HazardSite::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScreeningTeam::Table)
                    .col(pk_uuid(ScreeningTeam::Id))
                    .col(uuid(ScreeningTeam::CampaignId))
                    .col(string(ScreeningTeam::Kind))
                    .col(string(ScreeningTeam::Name))
                    .col(uuid(ScreeningTeam::OrganizationId))
                    .col(text(ScreeningTeam::Members))
                    .col(timestamp_with_time_zone(ScreeningTeam::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_team_campaign")
                            .from(ScreeningTeam::Table, ScreeningTeam::CampaignId)
                            .to(ScreeningCampaign::Table, ScreeningCampaign::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_team_organization")
                            .from(ScreeningTeam::Table, ScreeningTeam::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScreeningRecord::Table)
                    .col(pk_uuid(ScreeningRecord::Id))
                    .col(uuid(ScreeningRecord::CampaignId))
                    .col(uuid_null(ScreeningRecord::TeamId))
                    .col(uuid_null(ScreeningRecord::ChildId))
                    .col(uuid_null(ScreeningRecord::HazardSiteId))
                    .col(date(ScreeningRecord::ScreenedOn))
                    .col(text(ScreeningRecord::Finding))
                    .col(boolean(ScreeningRecord::Concern))
                    .col(uuid_null(ScreeningRecord::ReportId))
                    .col(uuid(ScreeningRecord::RecordedBy))
                    .col(timestamp_with_time_zone(ScreeningRecord::CreatedAt))
                    .check(
                        Expr::col(ScreeningRecord::ChildId)
                            .is_null()
                            .ne(Expr::col(ScreeningRecord::HazardSiteId).is_null()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_record_campaign")
                            .from(ScreeningRecord::Table, ScreeningRecord::CampaignId)
                            .to(ScreeningCampaign::Table, ScreeningCampaign::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_record_team")
                            .from(ScreeningRecord::Table, ScreeningRecord::TeamId)
                            .to(ScreeningTeam::Table, ScreeningTeam::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_record_child")
                            .from(ScreeningRecord::Table, ScreeningRecord::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_record_site")
                            .from(ScreeningRecord::Table, ScreeningRecord::HazardSiteId)
                            .to(HazardSite::Table, HazardSite::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_screening_record_report")
                            .from(ScreeningRecord::Table, ScreeningRecord::ReportId)
                            .to(Report::Table, Report::Id),
                    )
                    .take(),
            )
            .await?;
        for (name, table, column) in [
            (
                "idx_screening_campaign_region",
                ScreeningCampaign::Table.into_iden(),
                ScreeningCampaign::RegionPath.into_iden(),
            ),
            (
                "idx_hazard_site_region",
                HazardSite::Table.into_iden(),
                HazardSite::RegionPath.into_iden(),
            ),
            (
                "idx_screening_team_campaign",
                ScreeningTeam::Table.into_iden(),
                ScreeningTeam::CampaignId.into_iden(),
            ),
            (
                "idx_screening_record_campaign",
                ScreeningRecord::Table.into_iden(),
                ScreeningRecord::CampaignId.into_iden(),
            ),
        ] {
            manager
                .create_index(Index::create().name(name).table(table).col(column).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ScreeningRecord::Table.into_iden(),
            ScreeningTeam::Table.into_iden(),
            HazardSite::Table.into_iden(),
            ScreeningCampaign::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
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
enum ScreeningCampaign {
    Table,
    Id,
    Name,
    Season,
    StartsOn,
    EndsOn,
    RegionId,
    RegionPath,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HazardSite {
    Table,
    Id,
    Kind,
    Place,
    Risk,
    Note,
    RegionId,
    RegionPath,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ScreeningTeam {
    Table,
    Id,
    CampaignId,
    Kind,
    Name,
    OrganizationId,
    Members,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ScreeningRecord {
    Table,
    Id,
    CampaignId,
    TeamId,
    ChildId,
    HazardSiteId,
    ScreenedOn,
    Finding,
    Concern,
    ReportId,
    RecordedBy,
    CreatedAt,
}
