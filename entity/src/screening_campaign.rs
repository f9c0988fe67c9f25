//! The `screening_campaign` table: a key-period screening campaign (重点时段排查).

use sea_orm::entity::prelude::*;

use crate::enums::ScreeningSeason;

/// A campaign over a region for a date range.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "screening_campaign")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Which period.
    pub season: ScreeningSeason,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
    /// The region it covers.
    pub region_id: Uuid,
    /// That region's path.
    pub region_path: String,
    /// Who created it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
