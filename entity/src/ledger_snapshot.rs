//! The `ledger_snapshot` table: one row per month whose snapshot of the ledger was taken; its
//! primary key is what lets only one of several instances take a month.

use sea_orm::entity::prelude::*;

/// A month's snapshot.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_snapshot")]
pub struct Model {
    /// The month, by its first day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    /// When it was taken.
    pub taken_at: DateTimeUtc,
    /// The children counted.
    pub children: i64,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
