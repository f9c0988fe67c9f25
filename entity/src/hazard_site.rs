//! The `hazard_site` table: places dangerous to children (water, roads, construction).

use sea_orm::entity::prelude::*;

use crate::enums::{HazardKind, RiskLevel};

/// A hazard site in a township or village.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "hazard_site")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What kind.
    pub kind: HazardKind,
    /// Where, in words.
    #[sea_orm(column_type = "Text")]
    pub place: String,
    /// How dangerous.
    pub risk: RiskLevel,
    /// Anything more.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// The township or village.
    pub region_id: Uuid,
    /// That region's path.
    pub region_path: String,
    /// Who recorded it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
