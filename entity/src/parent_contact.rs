//! The `parent_contact` table: a child's contact with a parent working away (与外出务工父母联系).

use sea_orm::entity::prelude::*;

use crate::enums::{ContactFacilitator, ParentContactMethod};

/// One call, video call or visit home between a child and a parent working away.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "parent_contact")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The parent, a guardian of the child working away.
    pub guardian_id: Uuid,
    /// When.
    pub contacted_at: DateTimeUtc,
    /// How.
    pub method: ParentContactMethod,
    /// Who made it possible.
    pub facilitated_by: ContactFacilitator,
    /// The unit of the account that recorded it.
    pub organization_id: Uuid,
    /// The account that recorded it: who helped.
    pub recorded_by: Uuid,
    /// A note.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::projectable!(Model {
    id,
    child_id,
    guardian_id,
    contacted_at,
    method,
    facilitated_by,
    organization_id,
    recorded_by,
    note,
    created_at,
});
