//! The `organization` table: units that accounts belong to.

use crate::enums::OrganizationKind;
use sea_orm::entity::prelude::*;

/// A unit: a bureau, school, police station, village committee, agency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// A stable, unique key (for imports and the demo data).
    #[sea_orm(unique)]
    pub code: String,
    /// The name.
    pub name: String,
    /// What kind of unit it is.
    pub kind: OrganizationKind,
    /// The region it serves: its jurisdiction.
    pub region_id: Uuid,
    /// Whether the unit has a duty to report (强制报告).
    pub mandatory_reporter: bool,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
