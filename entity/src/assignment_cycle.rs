//! The `assignment_cycle` table: a cycle of a plan task that ended, as its assignment stood.

use sea_orm::entity::prelude::*;

use crate::enums::AssignmentStatus;

/// One ended cycle of a plan-task assignment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assignment_cycle")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The assignment.
    pub assignment_id: Uuid,
    /// When the cycle was due.
    pub due_on: Date,
    /// Where it stood when the cycle ended.
    pub status: AssignmentStatus,
    /// How far along, 0 to 100, as last reported in the cycle.
    pub progress_percent: i32,
    /// When it was done, if it was.
    pub done_at: Option<DateTimeUtc>,
    /// When the next cycle started.
    pub closed_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
