//! The `break_glass` table: emergency access to a record outside the opener's scope.

use sea_orm::entity::prelude::*;

/// One emergency opening of a child's record, for a few hours, awaiting review.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "break_glass")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who opened it.
    pub account_id: Uuid,
    /// Their unit.
    pub organization_id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The emergency, in the opener's words.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// When it was opened.
    pub opened_at: DateTimeUtc,
    /// When the access ends.
    pub expires_at: DateTimeUtc,
    /// Who reviewed it.
    pub reviewed_by: Option<Uuid>,
    /// When.
    pub reviewed_at: Option<DateTimeUtc>,
    /// The reviewer's conclusion.
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
