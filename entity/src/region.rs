//! The `region` table: the administrative hierarchy with materialized paths.

use crate::enums::RegionLevel;
use sea_orm::entity::prelude::*;

/// A prefecture, county, township or village.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The national administrative division code.
    #[sea_orm(unique)]
    pub code: String,
    /// The name.
    pub name: String,
    /// Where it stands in the hierarchy.
    pub level: RegionLevel,
    /// The region it belongs to; none for the top.
    pub parent_id: Option<Uuid>,
    /// The codes from the top down joined by `/`: jurisdiction is a prefix of it.
    #[sea_orm(unique)]
    pub path: String,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
