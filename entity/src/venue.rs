//! The `venue` table: places where children are served, such as a village's service station
//! (留守儿童服务工作站) or a women's home (妇女之家).

use sea_orm::entity::prelude::*;

use crate::enums::VenueKind;

/// A venue and the unit that runs it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "venue")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What kind of venue.
    pub kind: VenueKind,
    /// Its name.
    pub name: String,
    /// The village it serves.
    pub region_id: Uuid,
    /// The village's materialized path.
    pub region_path: String,
    /// The unit that runs it.
    pub organization_id: Uuid,
    /// Where it is.
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    /// When it is open.
    #[sea_orm(column_type = "Text", nullable)]
    pub opening_hours: Option<String>,
    /// The day it closed, when it has.
    pub closed_on: Option<Date>,
    /// Why it closed.
    #[sea_orm(column_type = "Text", nullable)]
    pub close_reason: Option<String>,
    /// Who registered it.
    pub created_by: Uuid,
    /// When it was registered.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
