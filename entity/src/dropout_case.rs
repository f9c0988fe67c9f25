//! The `dropout_case` table: 控辍保学 follow-up of a child who stopped coming.

use sea_orm::entity::prelude::*;

use crate::enums::DropoutState;

/// A dropout case.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "dropout_case")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The school.
    pub school_id: Uuid,
    /// Where it stands.
    pub state: DropoutState,
    /// When it was opened.
    pub opened_on: Date,
    /// Why (the run of unexplained absences, or a person's decision).
    pub opened_because: String,
    /// When it closed (returned or reported).
    pub closed_at: Option<DateTimeUtc>,
    /// The written report, when persuasion failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub report_text: Option<String>,
    /// Optimistic concurrency.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
