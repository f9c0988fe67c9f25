//! The `service_item` table: a targeted service for a child, assigned to a unit (帮扶).

use sea_orm::entity::prelude::*;

use crate::enums::{ServiceItemState, ServiceKind};

/// One service for one child, delivered by one unit by a due date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "service_item")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The assessment it follows, when it follows one.
    pub assessment_id: Option<Uuid>,
    /// What service.
    pub kind: ServiceKind,
    /// The unit that delivers it.
    pub organization_id: Uuid,
    /// When it is due.
    pub due_on: Date,
    /// Where it stands.
    pub state: ServiceItemState,
    /// What is to be done, in words.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// What was delivered.
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
    /// Why it was declined.
    #[sea_orm(column_type = "Text", nullable)]
    pub decline_reason: Option<String>,
    /// The access grant it issued to its unit, when it issued one.
    pub grant_id: Option<Uuid>,
    /// Who assigned it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
