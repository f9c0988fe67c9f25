//! The `school_absence` table: a school day a child missed.

use sea_orm::entity::prelude::*;

/// One school day a child was absent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "school_absence")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The school.
    pub school_id: Uuid,
    /// The day.
    pub absent_on: Date,
    /// The reason, when known (sick leave, family matters); none counts toward a dropout case.
    pub reason: Option<String>,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
