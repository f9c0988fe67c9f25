//! The `inspection` table: an inspection (督查) of a responsible unit.

use sea_orm::entity::prelude::*;

/// One inspection of a unit's work under the plan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "inspection")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The unit that inspected.
    pub inspecting_organization_id: Uuid,
    /// The unit inspected.
    pub inspected_organization_id: Uuid,
    /// The region whose work was inspected.
    pub region_id: Uuid,
    /// That region's path, for jurisdiction.
    pub region_path: String,
    /// When.
    pub inspected_on: Date,
    /// What the inspection looked at and found, in a paragraph.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// Who recorded it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
