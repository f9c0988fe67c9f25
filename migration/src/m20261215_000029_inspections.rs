//! Inspections (督查) of the units responsible under the plan, and their findings, each put
//! right (整改) by the inspected unit as an assignment with a deadline and closed with the
//! evidence (「建立、完善工作考核和责任追究机制」). An assignment's subject may now be a finding
//! (see [`crate::checks`]).

use sea_orm_migration::{prelude::*, schema::*};

use crate::checks;

/// Adds `inspection` and `inspection_finding`, and `finding` to the subjects of `assignment`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The subjects of an assignment before this migration.
const SUBJECTS: &[&str] = &[
    "plan_task",
    "report",
    "assessment",
    "service_item",
    "dropout_case",
];

/// The subject it adds.
const FINDING: &[&str] = &["finding"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        checks::admit(
            manager,
            "assignment",
            "subject_type",
            SUBJECTS,
            &[SUBJECTS, FINDING].concat(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Inspection::Table)
                    .col(pk_uuid(Inspection::Id))
                    .col(uuid(Inspection::InspectingOrganizationId))
                    .col(uuid(Inspection::InspectedOrganizationId))
                    .col(uuid(Inspection::RegionId))
                    .col(string(Inspection::RegionPath))
                    .col(date(Inspection::InspectedOn))
                    .col(text(Inspection::Summary))
                    .col(uuid(Inspection::CreatedBy))
                    .col(timestamp_with_time_zone(Inspection::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inspection_inspecting")
                            .from(Inspection::Table, Inspection::InspectingOrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inspection_inspected")
                            .from(Inspection::Table, Inspection::InspectedOrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inspection_region")
                            .from(Inspection::Table, Inspection::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inspection_inspected")
                    .table(Inspection::Table)
                    .col(Inspection::InspectedOrganizationId)
                    .col(Inspection::InspectedOn)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InspectionFinding::Table)
                    .col(pk_uuid(InspectionFinding::Id))
                    .col(uuid(InspectionFinding::InspectionId))
                    .col(integer(InspectionFinding::Position))
                    .col(text(InspectionFinding::Description))
                    .col(date(InspectionFinding::Deadline))
                    .col(uuid(InspectionFinding::AssignmentId))
                    .col(timestamp_with_time_zone_null(
                        InspectionFinding::RectifiedAt,
                    ))
                    .col(text_null(InspectionFinding::Evidence))
                    .col(uuid_null(InspectionFinding::RectifiedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_finding_inspection")
                            .from(InspectionFinding::Table, InspectionFinding::InspectionId)
                            .to(Inspection::Table, Inspection::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_finding_assignment")
                            .from(InspectionFinding::Table, InspectionFinding::AssignmentId)
                            .to(Assignment::Table, Assignment::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_finding_inspection")
                    .table(InspectionFinding::Table)
                    .col(InspectionFinding::InspectionId)
                    .col(InspectionFinding::Position)
                    .unique()
                    .take(),
            )
            .await
    }

    /// Drops the inspections and their findings, and with them the assignments to put the
    /// findings right (and those assignments' progress reports), which an older release could
    /// not read; then the subject `finding` is no longer admitted.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "DELETE FROM assignment_progress WHERE assignment_id IN \
             (SELECT id FROM assignment WHERE subject_type = 'finding')",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(InspectionFinding::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Inspection::Table).to_owned())
            .await?;
        db.execute_unprepared("DELETE FROM assignment WHERE subject_type = 'finding'")
            .await?;
        checks::admit(
            manager,
            "assignment",
            "subject_type",
            &[SUBJECTS, FINDING].concat(),
            SUBJECTS,
        )
        .await
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
enum Assignment {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Inspection {
    Table,
    Id,
    InspectingOrganizationId,
    InspectedOrganizationId,
    RegionId,
    RegionPath,
    InspectedOn,
    Summary,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InspectionFinding {
    Table,
    Id,
    InspectionId,
    Position,
    Description,
    Deadline,
    AssignmentId,
    RectifiedAt,
    Evidence,
    RectifiedBy,
}
