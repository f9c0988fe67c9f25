//! Service activities of mass organizations, schools and agencies: holiday classes
//! (村村假期小课堂), day care, tutoring, counselling, family-education guidance, rehabilitation;
//! and the children each served.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &[&str] = &[
    "holiday_class",
    "day_care",
    "tutoring",
    "counselling",
    "family_education",
    "rehabilitation",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceActivity::Table)
                    .col(pk_uuid(ServiceActivity::Id))
                    .col(uuid(ServiceActivity::OrganizationId))
                    .col(
                        string(ServiceActivity::Kind)
                            .check(Expr::col(ServiceActivity::Kind).is_in(KINDS.iter().copied())),
                    )
                    .col(string(ServiceActivity::Title))
                    .col(date(ServiceActivity::HeldOn))
                    .col(string(ServiceActivity::Place))
                    .col(uuid(ServiceActivity::RegionId))
                    .col(string(ServiceActivity::RegionPath))
                    .col(text_null(ServiceActivity::Notes))
                    .col(uuid(ServiceActivity::CreatedBy))
                    .col(timestamp_with_time_zone(ServiceActivity::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_activity_organization")
                            .from(ServiceActivity::Table, ServiceActivity::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_activity_region")
                            .from(ServiceActivity::Table, ServiceActivity::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .take(),
            )
            .await?;
        let path_index = match manager.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => {
                "CREATE INDEX idx_service_activity_path ON service_activity (region_path text_pattern_ops, held_on)"
            }
            _ => {
                "CREATE INDEX idx_service_activity_path ON service_activity (region_path, held_on)"
            }
        };
        manager
            .get_connection()
            .execute_unprepared(path_index)
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceActivityChild::Table)
                    .col(uuid(ServiceActivityChild::ActivityId))
                    .col(uuid(ServiceActivityChild::ChildId))
                    .primary_key(
                        Index::create()
                            .col(ServiceActivityChild::ActivityId)
                            .col(ServiceActivityChild::ChildId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sac_activity")
                            .from(
                                ServiceActivityChild::Table,
                                ServiceActivityChild::ActivityId,
                            )
                            .to(ServiceActivity::Table, ServiceActivity::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sac_child")
                            .from(ServiceActivityChild::Table, ServiceActivityChild::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sac_child")
                    .table(ServiceActivityChild::Table)
                    .col(ServiceActivityChild::ChildId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceActivityChild::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ServiceActivity::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Child {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum ServiceActivity {
    Table,
    Id,
    OrganizationId,
    Kind,
    Title,
    HeldOn,
    Place,
    RegionId,
    RegionPath,
    Notes,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum ServiceActivityChild {
    Table,
    ActivityId,
    ChildId,
}
