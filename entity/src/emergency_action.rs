//! The `emergency_action` table: what the police did (应急处置).

use sea_orm::entity::prelude::*;

use crate::enums::EmergencyActionKind;

/// One emergency action taken on a report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "emergency_action")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// What was done.
    pub kind: EmergencyActionKind,
    /// Details.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    /// Where or with whom the child was placed.
    pub placed_with: Option<String>,
    /// From when.
    pub from_date: Option<Date>,
    /// Until when.
    pub until_date: Option<Date>,
    /// Whether the parents were notified.
    pub parents_notified: bool,
    /// The guardian designated, for that action.
    pub guardian_id: Option<Uuid>,
    /// Who recorded it.
    pub account_id: Uuid,
    /// When it was taken.
    pub taken_at: DateTimeUtc,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
