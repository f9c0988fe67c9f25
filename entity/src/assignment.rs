//! The `assignment` table: a unit's responsibility for a subject.

use sea_orm::entity::prelude::*;

use crate::enums::{AssignmentStatus, Responsibility, SubjectType};

/// A unit's responsibility, lead or assisting, for a plan task or a case.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assignment")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What kind of subject.
    pub subject_type: SubjectType,
    /// The subject: a plan task's key or a record's id.
    pub subject_key: String,
    /// The responsible unit.
    pub organization_id: Uuid,
    /// Lead or assisting.
    pub responsibility: Responsibility,
    /// What is to be done, in a line.
    pub title: String,
    /// When it is due.
    pub due_on: Option<Date>,
    /// Where it stands.
    pub status: AssignmentStatus,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
    /// How far along, 0 to 100, as last reported.
    pub progress_percent: i32,
    /// When it was done, while it is.
    pub done_at: Option<DateTimeUtc>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
