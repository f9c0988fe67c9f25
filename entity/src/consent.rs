//! The `consent` table: a guardian's consent per purpose.

use sea_orm::entity::prelude::*;

use crate::enums::ConsentPurpose;

/// A guardian's consent for one purpose, for one child, until withdrawn.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "consent")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child it concerns.
    pub child_id: Uuid,
    /// The guardian who consented.
    pub guardian_id: Uuid,
    /// What was consented to.
    pub purpose: ConsentPurpose,
    /// When it was given.
    pub given_on: Date,
    /// When it was withdrawn.
    pub withdrawn_at: Option<DateTimeUtc>,
    /// The account that recorded it.
    pub recorded_by: Uuid,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
