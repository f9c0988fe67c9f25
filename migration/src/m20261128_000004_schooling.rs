//! School absences, dropout cases (控辍保学, 劝返复学) with their persuasion attempts, and
//! assignments: a unit's responsibility for a subject, lead (责任单位) or assisting (协助单位).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CASE_STATES: &[&str] = &["open", "persuading", "returned", "reported"];
const SUBJECT_TYPES: &[&str] = &[
    "plan_task",
    "report",
    "assessment",
    "service_item",
    "dropout_case",
];
const RESPONSIBILITIES: &[&str] = &["lead", "assisting"];
const ASSIGNMENT_STATES: &[&str] = &["open", "in_progress", "done"];

fn one_of(column: impl IntoIden + Clone, values: &[&str]) -> Expr {
    Expr::col(column).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SchoolAbsence::Table)
                    .col(pk_uuid(SchoolAbsence::Id))
                    .col(uuid(SchoolAbsence::ChildId))
                    .col(uuid(SchoolAbsence::SchoolId))
                    .col(date(SchoolAbsence::AbsentOn))
                    .col(string_null(SchoolAbsence::Reason))
                    .col(uuid(SchoolAbsence::RecordedBy))
                    .col(timestamp_with_time_zone(SchoolAbsence::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_absence_child")
                            .from(SchoolAbsence::Table, SchoolAbsence::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_absence_school")
                            .from(SchoolAbsence::Table, SchoolAbsence::SchoolId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_absence_child_day")
                    .table(SchoolAbsence::Table)
                    .col(SchoolAbsence::ChildId)
                    .col(SchoolAbsence::AbsentOn)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DropoutCase::Table)
                    .col(pk_uuid(DropoutCase::Id))
                    .col(uuid(DropoutCase::ChildId))
                    .col(uuid(DropoutCase::SchoolId))
                    .col(string(DropoutCase::State).check(one_of(DropoutCase::State, CASE_STATES)))
                    .col(date(DropoutCase::OpenedOn))
                    .col(string(DropoutCase::OpenedBecause))
                    .col(timestamp_with_time_zone_null(DropoutCase::ClosedAt))
                    .col(text_null(DropoutCase::ReportText))
                    .col(integer(DropoutCase::Version).default(1))
                    .col(timestamp_with_time_zone(DropoutCase::CreatedAt))
                    .col(timestamp_with_time_zone(DropoutCase::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dropout_child")
                            .from(DropoutCase::Table, DropoutCase::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dropout_school")
                            .from(DropoutCase::Table, DropoutCase::SchoolId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dropout_school_state")
                    .table(DropoutCase::Table)
                    .col(DropoutCase::SchoolId)
                    .col(DropoutCase::State)
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_dropout_open_child ON dropout_case (child_id) \
                 WHERE state IN ('open', 'persuading')",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersuasionAttempt::Table)
                    .col(pk_uuid(PersuasionAttempt::Id))
                    .col(uuid(PersuasionAttempt::CaseId))
                    .col(uuid(PersuasionAttempt::AccountId))
                    .col(date(PersuasionAttempt::AttemptedOn))
                    .col(string(PersuasionAttempt::ByWhom))
                    .col(text(PersuasionAttempt::Outcome))
                    .col(timestamp_with_time_zone(PersuasionAttempt::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_persuasion_case")
                            .from(PersuasionAttempt::Table, PersuasionAttempt::CaseId)
                            .to(DropoutCase::Table, DropoutCase::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_persuasion_case")
                    .table(PersuasionAttempt::Table)
                    .col(PersuasionAttempt::CaseId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Assignment::Table)
                    .col(pk_uuid(Assignment::Id))
                    .col(
                        string(Assignment::SubjectType)
                            .check(one_of(Assignment::SubjectType, SUBJECT_TYPES)),
                    )
                    .col(string(Assignment::SubjectKey))
                    .col(uuid(Assignment::OrganizationId))
                    .col(
                        string(Assignment::Responsibility)
                            .check(one_of(Assignment::Responsibility, RESPONSIBILITIES)),
                    )
                    .col(string(Assignment::Title))
                    .col(date_null(Assignment::DueOn))
                    .col(
                        string(Assignment::Status)
                            .check(one_of(Assignment::Status, ASSIGNMENT_STATES)),
                    )
                    .col(uuid_null(Assignment::CreatedBy))
                    .col(timestamp_with_time_zone(Assignment::CreatedAt))
                    .col(timestamp_with_time_zone(Assignment::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assignment_organization")
                            .from(Assignment::Table, Assignment::OrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assignment_inbox")
                    .table(Assignment::Table)
                    .col(Assignment::OrganizationId)
                    .col(Assignment::Status)
                    .col(Assignment::Id)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_assignment_subject_unit")
                    .table(Assignment::Table)
                    .col(Assignment::SubjectType)
                    .col(Assignment::SubjectKey)
                    .col(Assignment::OrganizationId)
                    .unique()
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Assignment::Table.into_iden(),
            PersuasionAttempt::Table.into_iden(),
            DropoutCase::Table.into_iden(),
            SchoolAbsence::Table.into_iden(),
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
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum SchoolAbsence {
    Table,
    Id,
    ChildId,
    SchoolId,
    AbsentOn,
    Reason,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum DropoutCase {
    Table,
    Id,
    ChildId,
    SchoolId,
    State,
    OpenedOn,
    OpenedBecause,
    ClosedAt,
    ReportText,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum PersuasionAttempt {
    Table,
    Id,
    CaseId,
    AccountId,
    AttemptedOn,
    ByWhom,
    Outcome,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Assignment {
    Table,
    Id,
    SubjectType,
    SubjectKey,
    OrganizationId,
    Responsibility,
    Title,
    DueOn,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
