//! The `child_guardian` table: which guardian cares for which child.

use crate::enums::GuardianRelation;
use sea_orm::entity::prelude::*;

/// The link between a child and a guardian.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "child_guardian")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The guardian.
    pub guardian_id: Uuid,
    /// How the guardian is related to the child.
    pub relation: GuardianRelation,
    /// Whether the parents entrusted the child to this guardian.
    pub is_entrusted: bool,
    /// Whether this is the guardian who actually cares for the child day to day.
    pub is_primary: bool,
    /// Since when.
    pub since: Option<Date>,
    /// When the link ended; open links have none.
    pub ended_at: Option<DateTimeUtc>,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// The guardian of a link, so a child's guardians load in one joined statement.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The linked guardian.
    #[sea_orm(
        belongs_to = "super::guardian::Entity",
        from = "Column::GuardianId",
        to = "super::guardian::Column::Id"
    )]
    Guardian,
}

impl Related<super::guardian::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Guardian.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

crate::projectable!(Model {
    id,
    child_id,
    guardian_id,
    relation,
    is_entrusted,
    is_primary,
    since,
    ended_at,
    created_at,
});
