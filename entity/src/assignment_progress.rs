//! The `assignment_progress` table: what a responsible unit reports on an assignment.

use sea_orm::entity::prelude::*;

/// One progress report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assignment_progress")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The assignment.
    pub assignment_id: Uuid,
    /// Who reported.
    pub account_id: Uuid,
    /// What was done.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// How far along, 0 to 100.
    pub percent: i32,
    /// A reference to evidence (a document number, a file name).
    pub evidence_ref: Option<String>,
    /// When.
    pub at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
