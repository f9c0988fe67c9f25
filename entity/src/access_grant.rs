//! The `access_grant` table: a child's record lent to an organization for a while.

use sea_orm::entity::prelude::*;

/// A time-limited grant of one child's record to one organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_grant")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The organization granted access.
    pub organization_id: Uuid,
    /// Why.
    pub purpose: String,
    /// From when.
    pub starts_at: DateTimeUtc,
    /// Until when.
    pub expires_at: DateTimeUtc,
    /// When revoked early.
    pub revoked_at: Option<DateTimeUtc>,
    /// Who granted it.
    pub granted_by: Option<Uuid>,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
