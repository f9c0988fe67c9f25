//! The `pairing` table: teachers helping children (一帮一 / 一帮多).

use sea_orm::entity::prelude::*;

/// A teacher helping a child at their school.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "pairing")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The helping teacher.
    pub teacher_account_id: Uuid,
    /// The child helped.
    pub child_id: Uuid,
    /// The school both belong to.
    pub school_id: Uuid,
    /// Since when.
    pub started_on: Date,
    /// Until when; open pairings have none.
    pub ended_on: Option<Date>,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
