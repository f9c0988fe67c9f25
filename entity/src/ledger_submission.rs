//! The `ledger_submission` table: a region's quarterly submission of the ledger (每季度报送),
//! numbered per region.

use sea_orm::entity::prelude::*;

/// A submission of the ledger's changes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_submission")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The region submitted for.
    pub region_id: Uuid,
    /// Its path, for the jurisdiction condition.
    pub region_path: String,
    /// Its number among the region's submissions, from 1.
    pub sequence: i32,
    /// When the previous submission was made, or `None` for the first.
    pub since: Option<DateTimeUtc>,
    /// When it was made.
    pub until: DateTimeUtc,
    /// The account that made it.
    pub submitted_by: Uuid,
    /// Children registered in the window.
    pub new_records: i32,
    /// Children changed in the window (registered before it, still followed).
    pub changed_records: i32,
    /// Children whose following ended in the window.
    pub closed_records: i32,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
