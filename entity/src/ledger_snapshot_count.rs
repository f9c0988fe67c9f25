//! The `ledger_snapshot_count` table: a month's children per village, attribute and value, as
//! the ledger stood when the month's snapshot was taken.

use sea_orm::entity::prelude::*;

/// One count of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_snapshot_count")]
pub struct Model {
    /// The attribute counted by (`living_arrangement`, `age_band`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: String,
    /// The month, by its first day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    /// Where the children lived (a village's region path).
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_path: String,
    /// The attribute's value, as the ledger stores it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: String,
    /// The children.
    pub children: i64,
    /// The sum of their statistics keys (`child.stat_key`).
    pub stat_key: i64,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
