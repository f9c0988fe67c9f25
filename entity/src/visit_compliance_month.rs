//! The `visit_compliance_month` table: one row per closed month whose visit compliance was
//! counted; its primary key is what lets only one of several instances take a month.

use sea_orm::entity::prelude::*;

/// A month's counts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_compliance_month")]
pub struct Model {
    /// The month, by its first day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    /// When its counts were taken.
    pub taken_at: DateTimeUtc,
    /// Whether a visit was recorded into the month after its counts were taken (or before they
    /// ever were): its counts are then read live until it is taken again.
    pub stale: bool,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
