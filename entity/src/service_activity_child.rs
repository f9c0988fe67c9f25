//! The `service_activity_child` table: the children an activity was for.

use sea_orm::entity::prelude::*;

/// A child served by an activity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_activity_child")]
pub struct Model {
    /// The activity.
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: Uuid,
    /// The child.
    #[sea_orm(primary_key, auto_increment = false)]
    pub child_id: Uuid,
    /// Whether the child attended (false: expected, but absent).
    pub attended: bool,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
