//! The `report_transition` table: every move of a report, with who and when.

use sea_orm::entity::prelude::*;

/// One move of a report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "report_transition")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// The state before; none for the submission.
    pub from_state: Option<String>,
    /// The state after.
    pub to_state: String,
    /// What was done (`submit`, `accept`, `transfer`, …).
    pub action: String,
    /// Who.
    pub account_id: Option<Uuid>,
    /// Their unit (the new holder on a transfer).
    pub organization_id: Option<Uuid>,
    /// A note.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// When.
    pub at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
