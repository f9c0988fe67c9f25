//! The `plan_task` table: the tasks of the 2017 plan, from its responsibility matrix.

use sea_orm::entity::prelude::*;

/// One task of the plan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "plan_task")]
pub struct Model {
    /// The matrix's key, e.g. `care.family_guardianship`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The plan's section.
    pub section: String,
    /// The task as the plan words it.
    pub title: String,
    /// The task in English.
    pub english: String,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
