//! Service activities held at a venue, recorded once per idempotency key, correctable for a
//! while, with the guardians who took part (family-education sessions are for parents) beside
//! the children, and who of them attended.
//!
//! `service_activity.venue_id` references `venue` on PostgreSQL; SQLite cannot add a constraint
//! to a table that exists (and could not drop the column again if it did), so there the API's
//! check on every write is what holds it.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

/// Adds `service_activity.venue_id` and `.corrected_at`, `service_activity_child.attended` and
/// `service_activity_guardian`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceActivity::Table)
                    .add_column(uuid_null(ServiceActivity::VenueId))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .create_foreign_key(
                    ForeignKey::create()
                        .name("fk_service_activity_venue")
                        .from(ServiceActivity::Table, ServiceActivity::VenueId)
                        .to(Venue::Table, Venue::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_service_activity_venue")
                    .table(ServiceActivity::Table)
                    .col(ServiceActivity::VenueId)
                    .col(ServiceActivity::HeldOn)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceActivity::Table)
                    .add_column(timestamp_with_time_zone_null(ServiceActivity::CorrectedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceActivityChild::Table)
                    .add_column(boolean(ServiceActivityChild::Attended).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceActivityGuardian::Table)
                    .col(uuid(ServiceActivityGuardian::ActivityId))
                    .col(uuid(ServiceActivityGuardian::GuardianId))
                    .col(boolean(ServiceActivityGuardian::Attended).default(true))
                    .primary_key(
                        Index::create()
                            .col(ServiceActivityGuardian::ActivityId)
                            .col(ServiceActivityGuardian::GuardianId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sag_activity")
                            .from(
                                ServiceActivityGuardian::Table,
                                ServiceActivityGuardian::ActivityId,
                            )
                            .to(ServiceActivity::Table, ServiceActivity::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sag_guardian")
                            .from(
                                ServiceActivityGuardian::Table,
                                ServiceActivityGuardian::GuardianId,
                            )
                            .to(Guardian::Table, Guardian::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sag_guardian")
                    .table(ServiceActivityGuardian::Table)
                    .col(ServiceActivityGuardian::GuardianId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ServiceActivityGuardian::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceActivityChild::Table)
                    .drop_column(ServiceActivityChild::Attended)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceActivity::Table)
                    .drop_column(ServiceActivity::CorrectedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_service_activity_venue")
                    .table(ServiceActivity::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceActivity::Table)
                    .drop_column(ServiceActivity::VenueId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceActivity {
    Table,
    Id,
    HeldOn,
    VenueId,
    CorrectedAt,
}

#[derive(DeriveIden)]
enum ServiceActivityChild {
    Table,
    Attended,
}

#[derive(DeriveIden)]
enum ServiceActivityGuardian {
    Table,
    ActivityId,
    GuardianId,
    Attended,
}

#[derive(DeriveIden)]
enum Venue {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Guardian {
    Table,
    Id,
}
