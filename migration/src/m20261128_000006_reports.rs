//! Mandatory reports (强制报告) and the emergency response (应急处置): reports routed to a
//! police unit, every transition with who and when, emergency actions, and the claims that make
//! each overdue alert fire exactly once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CATEGORIES: &[&str] = &[
    "living_alone",
    "missing",
    "guardian_unable",
    "guardian_not_performing",
    "suspected_domestic_violence",
    "suspected_accidental_injury",
    "suspected_unlawful_harm",
    "private_part_injury",
    "sexual_assault_or_pregnancy",
    "abuse_or_bullying_injuries",
    "self_harm_or_poisoning",
    "abandonment",
    "missing_or_trafficked",
    "organized_begging",
    "other_serious_danger",
];
const STATES: &[&str] = &[
    "submitted",
    "accepted",
    "dispatched",
    "responded",
    "township_notified",
    "closed",
    "merged",
];
const URGENCIES: &[&str] = &["immediate", "urgent", "normal"];
const ACTIONS: &[&str] = &[
    "parents_ordered_home",
    "entrusted_guardian_designated",
    "parents_admonished",
    "temporary_care_relative",
    "temporary_care_village_committee",
    "temporary_care_institution",
    "missing_search_started",
    "missing_search_ended",
    "violence_stopped",
    "shelter_placement",
    "medical_help",
    "injury_assessment",
    "evidence_collected",
];

fn one_of(column: impl IntoIden + Clone, values: &[&str]) -> Expr {
    Expr::col(column).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Report::Table)
                    .col(pk_uuid(Report::Id))
                    .col(string(Report::Category).check(one_of(Report::Category, CATEGORIES)))
                    .col(string(Report::Urgency).check(one_of(Report::Urgency, URGENCIES)))
                    .col(string(Report::State).check(one_of(Report::State, STATES)))
                    .col(text(Report::Narrative))
                    .col(timestamp_with_time_zone(Report::OccurredAt))
                    .col(uuid(Report::RegionId))
                    .col(string(Report::RegionPath))
                    .col(string_null(Report::Place))
                    .col(uuid_null(Report::ChildId))
                    .col(text_null(Report::ChildDescription))
                    .col(uuid_null(Report::ReporterAccountId))
                    .col(uuid_null(Report::ReporterOrganizationId))
                    .col(string_null(Report::ReporterName))
                    .col(string_null(Report::ReporterContact))
                    .col(boolean(Report::MandatoryReporter).default(false))
                    .col(string_null(Report::ReceiptCode).unique_key())
                    .col(uuid(Report::HolderOrganizationId))
                    .col(uuid_null(Report::MergedInto))
                    .col(text_null(Report::OutcomeNotice))
                    .col(timestamp_with_time_zone(Report::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Report::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Report::DispatchedAt))
                    .col(timestamp_with_time_zone_null(Report::RespondedAt))
                    .col(timestamp_with_time_zone_null(Report::NotifiedAt))
                    .col(timestamp_with_time_zone_null(Report::ClosedAt))
                    .col(integer(Report::Version).default(1))
                    .col(timestamp_with_time_zone(Report::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_region")
                            .from(Report::Table, Report::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_child")
                            .from(Report::Table, Report::ChildId)
                            .to(Child::Table, Child::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_holder")
                            .from(Report::Table, Report::HolderOrganizationId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .take(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_report_holder_state",
                vec![Report::HolderOrganizationId, Report::State],
            ),
            ("idx_report_reporter", vec![Report::ReporterAccountId]),
            ("idx_report_child", vec![Report::ChildId]),
            (
                "idx_report_state_submitted",
                vec![Report::State, Report::SubmittedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Report::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        let path_index = match manager.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => {
                "CREATE INDEX idx_report_region_path ON report (region_path text_pattern_ops, id)"
            }
            _ => "CREATE INDEX idx_report_region_path ON report (region_path, id)",
        };
        manager
            .get_connection()
            .execute_unprepared(path_index)
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReportTransition::Table)
                    .col(pk_uuid(ReportTransition::Id))
                    .col(uuid(ReportTransition::ReportId))
                    .col(string_null(ReportTransition::FromState))
                    .col(string(ReportTransition::ToState))
                    .col(string(ReportTransition::Action))
                    .col(uuid_null(ReportTransition::AccountId))
                    .col(uuid_null(ReportTransition::OrganizationId))
                    .col(text_null(ReportTransition::Note))
                    .col(timestamp_with_time_zone(ReportTransition::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_transition_report")
                            .from(ReportTransition::Table, ReportTransition::ReportId)
                            .to(Report::Table, Report::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_report_transition_report")
                    .table(ReportTransition::Table)
                    .col(ReportTransition::ReportId)
                    .col(ReportTransition::At)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmergencyAction::Table)
                    .col(pk_uuid(EmergencyAction::Id))
                    .col(uuid(EmergencyAction::ReportId))
                    .col(
                        string(EmergencyAction::Kind).check(one_of(EmergencyAction::Kind, ACTIONS)),
                    )
                    .col(text(EmergencyAction::Detail))
                    .col(string_null(EmergencyAction::PlacedWith))
                    .col(date_null(EmergencyAction::FromDate))
                    .col(date_null(EmergencyAction::UntilDate))
                    .col(boolean(EmergencyAction::ParentsNotified).default(false))
                    .col(uuid_null(EmergencyAction::GuardianId))
                    .col(uuid(EmergencyAction::AccountId))
                    .col(timestamp_with_time_zone(EmergencyAction::TakenAt))
                    .col(timestamp_with_time_zone(EmergencyAction::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_emergency_action_report")
                            .from(EmergencyAction::Table, EmergencyAction::ReportId)
                            .to(Report::Table, Report::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_emergency_action_report")
                    .table(EmergencyAction::Table)
                    .col(EmergencyAction::ReportId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeadlineAlert::Table)
                    .col(pk_uuid(DeadlineAlert::Id))
                    .col(uuid(DeadlineAlert::ReportId))
                    .col(string(DeadlineAlert::Stage))
                    .col(timestamp_with_time_zone(DeadlineAlert::Deadline))
                    .col(timestamp_with_time_zone(DeadlineAlert::RaisedAt))
                    .col(uuid(DeadlineAlert::HolderOrganizationId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deadline_alert_report")
                            .from(DeadlineAlert::Table, DeadlineAlert::ReportId)
                            .to(Report::Table, Report::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_deadline_alert_stage")
                    .table(DeadlineAlert::Table)
                    .col(DeadlineAlert::ReportId)
                    .col(DeadlineAlert::Stage)
                    .unique()
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeadlineAlert::Table.into_iden(),
            EmergencyAction::Table.into_iden(),
            ReportTransition::Table.into_iden(),
            Report::Table.into_iden(),
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
enum Report {
    Table,
    Id,
    Category,
    Urgency,
    State,
    Narrative,
    OccurredAt,
    RegionId,
    RegionPath,
    Place,
    ChildId,
    ChildDescription,
    ReporterAccountId,
    ReporterOrganizationId,
    ReporterName,
    ReporterContact,
    MandatoryReporter,
    ReceiptCode,
    HolderOrganizationId,
    MergedInto,
    OutcomeNotice,
    SubmittedAt,
    AcceptedAt,
    DispatchedAt,
    RespondedAt,
    NotifiedAt,
    ClosedAt,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ReportTransition {
    Table,
    Id,
    ReportId,
    FromState,
    ToState,
    Action,
    AccountId,
    OrganizationId,
    Note,
    At,
}

#[derive(DeriveIden, Clone)]
enum EmergencyAction {
    Table,
    Id,
    ReportId,
    Kind,
    Detail,
    PlacedWith,
    FromDate,
    UntilDate,
    ParentsNotified,
    GuardianId,
    AccountId,
    TakenAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum DeadlineAlert {
    Table,
    Id,
    ReportId,
    Stage,
    Deadline,
    RaisedAt,
    HolderOrganizationId,
}
