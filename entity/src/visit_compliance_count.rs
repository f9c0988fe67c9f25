//! The `visit_compliance_count` table: a closed month's children due a child director's visit
//! and visited, per village, as they stood when the month's counts were taken.

use sea_orm::entity::prelude::*;

/// One village's month.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_compliance_count")]
pub struct Model {
    /// The month, by its first day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    /// Where the children lived (a village's region path).
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_path: String,
    /// The children due a visit.
    pub due: i64,
    /// The sum of their statistics keys (`child.stat_key`).
    pub due_key: i64,
    /// Of them, the children a child director visited within the month.
    pub visited: i64,
    /// The sum of those children's statistics keys.
    pub visited_key: i64,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
