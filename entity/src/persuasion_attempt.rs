//! The `persuasion_attempt` table: 劝返 attempts of a dropout case.

use sea_orm::entity::prelude::*;

/// One attempt to persuade a child (and family) to return to school.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "persuasion_attempt")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// Who recorded it.
    pub account_id: Uuid,
    /// When.
    pub attempted_on: Date,
    /// Who went (the class teacher, the head, village cadres).
    pub by_whom: String,
    /// What came of it.
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
