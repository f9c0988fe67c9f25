//! The `ledger_submission_child` table: the children a submission of the ledger holds, and how
//! each changed.

use sea_orm::entity::prelude::*;

use crate::enums::ChildStatus;

/// A child in a submission.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_submission_child")]
pub struct Model {
    /// The submission.
    #[sea_orm(primary_key, auto_increment = false)]
    pub submission_id: Uuid,
    /// The child.
    #[sea_orm(primary_key, auto_increment = false)]
    pub child_id: Uuid,
    /// `new`, `changed` or `closed`.
    pub change: String,
    /// The version of the child's record submitted.
    pub version: i32,
    /// The child's `guardians_version` it was submitted at.
    pub guardians_version: i32,
    /// The child's status submitted.
    pub status: ChildStatus,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
