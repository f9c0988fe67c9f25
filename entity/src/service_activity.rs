//! The `service_activity` table: services of mass organizations, schools and agencies.

use sea_orm::entity::prelude::*;

use crate::enums::ActivityKind;

/// One service activity held for left-behind children.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "service_activity")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The providing unit.
    pub organization_id: Uuid,
    /// What kind of service.
    pub kind: ActivityKind,
    /// Its title.
    pub title: String,
    /// When it was held.
    pub held_on: Date,
    /// Where (a room, a village square; the venue's name when it was held at one).
    pub place: String,
    /// The venue it was held at, if it was.
    pub venue_id: Option<Uuid>,
    /// The region it was held in.
    pub region_id: Uuid,
    /// That region's path, for jurisdiction.
    pub region_path: String,
    /// Notes.
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
    /// When its author last corrected it.
    pub corrected_at: Option<DateTimeUtc>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
