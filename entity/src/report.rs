//! The `report` table: mandatory reports (强制报告) and their response.

use sea_orm::entity::prelude::*;

use crate::enums::{ReportCategory, ReportState, Urgency};

/// A report of a child in danger, held by a police unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "report")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What it is about.
    pub category: ReportCategory,
    /// How urgent.
    pub urgency: Urgency,
    /// Where it stands.
    pub state: ReportState,
    /// What the reporter saw.
    #[sea_orm(column_type = "Text")]
    pub narrative: String,
    /// When it happened or was found.
    pub occurred_at: DateTimeUtc,
    /// Where: a township or village.
    pub region_id: Uuid,
    /// That region's path.
    pub region_path: String,
    /// The place, in words.
    pub place: Option<String>,
    /// The child, when known.
    pub child_id: Option<Uuid>,
    /// The child as described, when not in the ledger (name, age, appearance).
    #[sea_orm(column_type = "Text", nullable)]
    pub child_description: Option<String>,
    /// The reporting account, when signed in.
    pub reporter_account_id: Option<Uuid>,
    /// Its unit.
    pub reporter_organization_id: Option<Uuid>,
    /// The reporter's name, as given.
    pub reporter_name: Option<String>,
    /// How to reach the reporter.
    pub reporter_contact: Option<String>,
    /// Whether the reporter's unit has a duty to report.
    pub mandatory_reporter: bool,
    /// The receipt code of a public report.
    #[sea_orm(unique)]
    pub receipt_code: Option<String>,
    /// The police unit holding it.
    pub holder_organization_id: Uuid,
    /// The report this one duplicates.
    pub merged_into: Option<Uuid>,
    /// The outcome notice for the reporter.
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome_notice: Option<String>,
    /// When submitted.
    pub submitted_at: DateTimeUtc,
    /// When accepted.
    pub accepted_at: Option<DateTimeUtc>,
    /// When officers were sent.
    pub dispatched_at: Option<DateTimeUtc>,
    /// When the police responded.
    pub responded_at: Option<DateTimeUtc>,
    /// When the township was notified.
    pub notified_at: Option<DateTimeUtc>,
    /// When it closed.
    pub closed_at: Option<DateTimeUtc>,
    /// Optimistic concurrency.
    pub version: i32,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
