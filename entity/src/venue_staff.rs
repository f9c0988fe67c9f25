//! The `venue_staff` table: the accounts that staff a venue.

use sea_orm::entity::prelude::*;

/// One account on a venue's staff.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_staff")]
pub struct Model {
    /// The venue.
    #[sea_orm(primary_key, auto_increment = false)]
    pub venue_id: Uuid,
    /// The account.
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
