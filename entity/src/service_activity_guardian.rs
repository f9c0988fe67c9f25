//! The `service_activity_guardian` table: the guardians an activity was for (a
//! family-education session, a parents' school class).

use sea_orm::entity::prelude::*;

/// A guardian taking part in an activity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_activity_guardian")]
pub struct Model {
    /// The activity.
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: Uuid,
    /// The guardian.
    #[sea_orm(primary_key, auto_increment = false)]
    pub guardian_id: Uuid,
    /// Whether the guardian attended (false: expected, but absent).
    pub attended: bool,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
