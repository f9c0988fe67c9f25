//! The `screening_team` table: a campaign's teams and their members.

use sea_orm::entity::prelude::*;

use crate::enums::TeamKind;

/// A team of a campaign, led by a unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "screening_team")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The campaign.
    pub campaign_id: Uuid,
    /// What the team does.
    pub kind: TeamKind,
    /// Its name.
    pub name: String,
    /// The unit leading it.
    pub organization_id: Uuid,
    /// Its members, as a JSON array of `{name, organization_id, duty}`.
    #[sea_orm(column_type = "Text")]
    pub members: String,
    /// When it was formed.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
