//! The `inspection_finding` table: what an inspection found, put right (整改) by the inspected
//! unit by a deadline.

use sea_orm::entity::prelude::*;

/// One finding of an inspection.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "inspection_finding")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The inspection.
    pub inspection_id: Uuid,
    /// Its place among the inspection's findings, from 1.
    pub position: i32,
    /// What was found.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// By when it must be put right.
    pub deadline: Date,
    /// The inspected unit's assignment to put it right.
    pub assignment_id: Uuid,
    /// When it was put right.
    pub rectified_at: Option<DateTimeUtc>,
    /// The evidence it was put right with.
    #[sea_orm(column_type = "Text", nullable)]
    pub evidence: Option<String>,
    /// Who recorded that.
    pub rectified_by: Option<Uuid>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
